// Package loopbacktest holds the table of hosts that the loopback check
// and every server relying on it are tested with, so that the health
// socket and the pprof server cannot drift apart on what they refuse.
package loopbacktest
