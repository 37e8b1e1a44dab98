// Package loopback is the one check, shared by the health socket and the
// pprof server, that an address reaches only this machine.
package loopback
