// Package spool keeps an exporter's snapshots on disk, in order, while its
// backend is unavailable: a bounded, crash-safe queue of Records in one
// directory.
package spool
