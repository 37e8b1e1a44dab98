package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// The exit statuses of every command but health, which has its own (see
// healthExit).
const (
	exitOK      = 0
	exitFailure = 1 // the command was valid but did not succeed
	exitUsage   = 2 // the command line was wrong
	// exitRegressed: compare found a regression beyond the thresholds.
	exitRegressed = 3
)

// usage is what `vitals` alone, `vitals help` and a usage error print.
const usage = `usage:
  vitals compare -service S (-metric NAME | -all) [-tag k=v ...] [sides] [-postgres URL]
                 [-schema S] [-per-series] [-alpha P] [-min-effect E] [-worse-when FIELD=DIR]
                 [-json] [-svg FILE] [-png FILE]
      sides: -before REL -after REL, or -before-window FROM,TO -after-window FROM,TO
             (RFC 3339), or a mix; none: the last two releases of the service.
  vitals health [-json] [-timeout D] host:port|/path/to/socket

Run 'vitals compare -h' or 'vitals health -h' for the flags of a command.
Exit status: 0 success, 1 failure, 2 usage error; compare: 3 a regression;
health: 0 GOOD, 1 WARN, 2 CRITICAL, 3 unreachable.
`

// usageError is an error in the command line: run prints it with a hint
// and exits with exitUsage.
type usageError struct {
	msg     string
	printed bool // the flag package already printed msg and the flags
}

func (e *usageError) Error() string { return e.msg }

// usagef returns a *usageError.
func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// run is the whole program: it runs the command in args (without the
// program name), writes its output to stdout and its errors to stderr, and
// returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	switch cmd, rest := args[0], args[1:]; cmd {
	case "compare":
		return exitStatus(stderr, "compare", runCompare(ctx, rest, stdout, stderr))
	case "health":
		return runHealth(ctx, rest, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "vitals: unknown command %q\n\n%s", cmd, usage)
		return exitUsage
	}
}

// exitStatus prints err, if any, and returns the exit status it stands for.
func exitStatus(stderr io.Writer, cmd string, err error) int {
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp): // the flag package printed the help
		return exitOK
	case errors.As(err, &ue) && ue.printed:
		return exitUsage
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "vitals %s: %v\nRun 'vitals %s -h' for help.\n", cmd, err, cmd)
		return exitUsage
	case errors.Is(err, errRegressed):
		fmt.Fprintf(stderr, "vitals %s: %v\n", cmd, err)
		return exitRegressed
	default:
		fmt.Fprintf(stderr, "vitals %s: %v\n", cmd, err)
		return exitFailure
	}
}

// parseFlags parses args with fs, allowing flags after the positional
// arguments (`vitals health host:1 -json`), and returns the positional
// arguments. A "--" ends the flags. Flag errors are *usageError.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &usageError{msg: err.Error(), printed: true}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// newFlagSet returns a FlagSet for cmd that reports errors (and -h) to
// stderr without exiting.
func newFlagSet(cmd string, stderr io.Writer, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("vitals "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: vitals %s %s\n\n", cmd, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// tagFlags collects repeated -tag k=v flags.
type tagFlags map[string]string

func (t tagFlags) String() string {
	var b strings.Builder
	for k, v := range t {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k + "=" + v)
	}
	return b.String()
}

func (t tagFlags) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want key=value, got %q", s)
	}
	if old, dup := t[k]; dup && old != v {
		return fmt.Errorf("tag %q given twice (%q and %q)", k, old, v)
	}
	t[k] = v
	return nil
}
