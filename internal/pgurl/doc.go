// Package pgurl reads PostgreSQL connection strings, URLs or key=value
// settings, and describes what goes wrong in reading or connecting with
// them, one line that leads with the cause and never shows a password.
// exporters/postgres and pgreader share it, so that the writer and the
// reader of the vitals tables report a bad URL alike.
package pgurl
