// Command portal is the Vtiger customer portal backend.
//
//	portal [-config FILE] [serve] [-demo]      run the HTTP API (default)
//	portal migrate up|down [N]|version|force N  manage the PostgreSQL schema
//	portal config check                         validate the configuration and print every problem
//	portal user otp-disable EMAIL               turn off two-factor login for a user
//	portal notifications import                 pull new notifications from Vtiger once
//	portal import earlier --mysql-dsn DSN [--apply]  copy users, 2FA, notifications, payments from the earlier backend
//	portal payments simulate-webhook -demo|-dev -intent pi_… -status succeeded|failed
//	                                            send a signed test webhook to a running demo/dev portal
//	portal audit list [-email E] [-since T] [-limit N]  print the activity trail of portal writes
//	portal version                              print version, commit and build time
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/app"
	"github.com/portalcrm/vtiger-portal/internal/config"
)

// Set with -ldflags by the Makefile.
var (
	version   = "dev"
	commit    = "none"
	buildTime = "unknown"
)

// Exit codes: 1 runtime failure, 2 usage or configuration error.
const (
	exitFailure = 1
	exitUsage   = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func run(args []string, stdout, stderr io.Writer) int {
	global := flag.NewFlagSet("portal", flag.ContinueOnError)
	global.SetOutput(stderr)
	configPath := global.String("config", "", "path to portal.yaml (default: $PORTAL_CONFIG, ~/.config/portal.yaml, ./portal.yaml)")
	demo := global.Bool("demo", false, "demo mode: built-in Vtiger simulator with demo data (same as `serve -demo`)")
	global.Usage = func() { printUsage(stderr, global) }
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return exitUsage
	}
	rest := global.Args()
	cmd := "serve"
	if len(rest) > 0 {
		cmd, rest = rest[0], rest[1:]
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	opts := app.Options{ConfigPath: *configPath, Demo: *demo, Version: version, Commit: commit, BuildTime: buildTime,
		Stdout: stdout, Stderr: stderr, Getenv: os.Getenv}

	var err error
	switch cmd {
	case "serve":
		err = cmdServe(ctx, opts, rest)
	case "migrate":
		err = cmdMigrate(ctx, opts, rest)
	case "config":
		err = cmdConfig(opts, rest)
	case "user":
		err = cmdUser(ctx, opts, rest)
	case "notifications":
		err = cmdNotifications(ctx, opts, rest)
	case "import":
		err = cmdImport(ctx, opts, rest)
	case "payments":
		err = cmdPayments(ctx, opts, rest)
	case "audit":
		err = cmdAudit(ctx, opts, rest)
	case "version":
		fmt.Fprintf(stdout, "portal %s (commit %s, built %s)\n", version, commit, buildTime)
		return 0
	case "help", "-h", "--help":
		printUsage(stdout, global)
		return 0
	default:
		err = usageError{fmt.Sprintf("unknown command %q (see portal -h)", cmd)}
	}
	return report(stderr, err)
}

func report(stderr io.Writer, err error) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var verrs config.ValidationErrors
	var uerr usageError
	switch {
	case errors.As(err, &verrs):
		fmt.Fprintf(stderr, "configuration is invalid:\n%s\n", verrs.Error())
		return exitUsage
	case errors.As(err, &uerr):
		fmt.Fprintln(stderr, "portal:", uerr.msg)
		return exitUsage
	default:
		fmt.Fprintln(stderr, "portal:", err)
		return exitFailure
	}
}

func printUsage(w io.Writer, global *flag.FlagSet) {
	fmt.Fprint(w, `portal — the Vtiger customer portal backend

Usage:
  portal [global flags] <command> [command flags]

Commands:
  serve [-demo]                    run the HTTP API (the default command)
  migrate up|down [N]|version|force V
                                   manage the PostgreSQL schema (embedded migrations)
  config check                     validate the configuration and print every problem
  user otp-disable EMAIL           turn off two-factor login for a portal user
  notifications import             pull new notifications from Vtiger once (for cron)
  import earlier --mysql-dsn DSN [--apply]
                                   copy users, 2FA, notifications and payments from the
                                   earlier (MySQL) backend; a dry run unless --apply
  payments simulate-webhook -demo|-dev -intent pi_… -status succeeded|failed
                                   send a signed test Stripe webhook to a running demo/dev portal
  audit list [-email E] [-since T] [-limit N]
                                   print the activity trail of portal writes, newest first
  version                          print version, commit and build time

Global flags:
`)
	global.SetOutput(w)
	global.PrintDefaults()
	fmt.Fprint(w, "\nEnvironment overrides:\n")
	for _, v := range config.EnvVars {
		fmt.Fprintf(w, "  %-30s %s\n", v.Name, v.Key)
	}
	fmt.Fprint(w, "\nEach command accepts -h for its own flags.\n")
}

func cmdServe(ctx context.Context, opts app.Options, args []string) error {
	fs := newFlagSet("serve", "Usage: portal serve [-demo]\n\nRuns the HTTP API until SIGINT/SIGTERM, then shuts down gracefully.", opts.Stdout)
	demo := fs.Bool("demo", opts.Demo, "demo mode: built-in Vtiger simulator seeded with demo data, migrations applied")
	if err := fs.Parse(args); err != nil {
		return err
	}
	opts.Demo = *demo
	m, err := app.New(opts)
	if err != nil {
		return err
	}
	if err := m.Run(ctx); err != nil {
		_ = m.Close(context.Background())
		return err
	}
	<-ctx.Done()
	return m.Close(context.Background())
}

func cmdMigrate(ctx context.Context, opts app.Options, args []string) error {
	fs := newFlagSet("migrate", `Usage: portal migrate up | down [N] | version | force V

  up         apply every pending migration
  down [N]   roll back N migrations (all when N is omitted)
  version    print the schema version and whether it is dirty
  force V    set the version without running migrations (repair after a failed one)`, opts.Stdout)
	if err := fs.Parse(args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fs.Usage()
		return usageError{"migrate needs a subcommand"}
	}
	n := -1
	if len(rest) > 1 {
		v, err := strconv.Atoi(rest[1])
		if err != nil || v < 0 {
			return usageError{fmt.Sprintf("migrate %s: %q is not a non-negative number", rest[0], rest[1])}
		}
		n = v
	}
	switch rest[0] {
	case "up", "down", "version":
	case "force":
		if n < 0 {
			return usageError{"migrate force needs a version"}
		}
	default:
		return usageError{fmt.Sprintf("unknown migrate subcommand %q", rest[0])}
	}
	return app.Migrate(ctx, opts, rest[0], n)
}

// newFlagSet is a command's flag set: messages go to stdout, and -h
// prints usage followed by the flags (none for a flag-less command).
func newFlagSet(name, usage string, stdout io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), usage)
		fs.PrintDefaults()
	}
	return fs
}

// verbArgs returns what follows the one verb of a command (payments
// simulate-webhook, import earlier, audit list). A help flag in the verb's
// place runs help and ends the command (flag.ErrHelp: exit status 0);
// anything else there is a usage error showing synopsis.
func verbArgs(args []string, verb, synopsis string, help func()) ([]string, error) {
	if len(args) > 0 && args[0] == verb {
		return args[1:], nil
	}
	if len(args) > 0 && isHelp(args[0]) {
		help()
		return nil, flag.ErrHelp
	}
	return nil, usageError{"usage: " + synopsis}
}

// parseFlagsOnly parses the flags of a command that takes no other
// arguments; what names it in the error about a stray one.
func parseFlagsOnly(fs *flag.FlagSet, args []string, what string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("%s: unexpected argument %q", what, fs.Arg(0))}
	}
	return nil
}

// verbCommand is a flag-less command: a verb and then exactly operands
// more arguments (config check, user otp-disable EMAIL).
type verbCommand struct {
	name, verb string
	operands   int
	synopsis   string // "portal user otp-disable EMAIL"
	about      string // printed under the synopsis by -h
}

// parse returns the operands; -h prints the usage, any other shape is a
// usage error showing the synopsis.
func (c verbCommand) parse(args []string, stdout io.Writer) ([]string, error) {
	fs := newFlagSet(c.name, "Usage: "+c.synopsis+"\n\n"+c.about, stdout)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	rest := fs.Args()
	if len(rest) != c.operands+1 || rest[0] != c.verb {
		return nil, usageError{"usage: " + c.synopsis}
	}
	return rest[1:], nil
}

func cmdConfig(opts app.Options, args []string) error {
	_, err := verbCommand{name: "config", verb: "check", synopsis: "portal config check",
		about: "Loads the configuration (file, then PORTAL_* variables), validates it, including what\n`serve` needs, and prints every problem at once (exit status 2) or \"configuration OK\"."}.parse(args, opts.Stdout)
	if err != nil {
		return err
	}
	return app.CheckConfig(opts)
}

func cmdUser(ctx context.Context, opts app.Options, args []string) error {
	operands, err := verbCommand{name: "user", verb: "otp-disable", operands: 1, synopsis: "portal user otp-disable EMAIL",
		about: "Turns off two-factor login for the portal user with that e-mail (a customer who lost\ntheir phone and recovery codes); their sessions must log in again."}.parse(args, opts.Stdout)
	if err != nil {
		return err
	}
	return app.DisableOTP(ctx, opts, operands[0])
}

func cmdNotifications(ctx context.Context, opts app.Options, args []string) error {
	_, err := verbCommand{name: "notifications", verb: "import", synopsis: "portal notifications import",
		about: "Pulls new notifications from the Vtiger module in notifications.module once (for cron),\nunder the same lock as the background job, and prints how many were stored."}.parse(args, opts.Stdout)
	if err != nil {
		return err
	}
	return app.ImportNotifications(ctx, opts)
}

// isHelp reports whether a subcommand's first argument asks for its usage.
func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "help":
		return true
	}
	return false
}

func cmdPayments(ctx context.Context, opts app.Options, args []string) error {
	const synopsis = "portal payments simulate-webhook -demo|-dev -intent pi_… -status succeeded|failed [-url URL]"
	args, err := verbArgs(args, "simulate-webhook", synopsis, func() { fmt.Fprintln(opts.Stdout, "Usage: "+synopsis) })
	if err != nil {
		return err
	}
	fs := newFlagSet("payments simulate-webhook", `Usage: `+synopsis+`

Signs a Stripe payment_intent event as Stripe would and posts it to the running
portal's /api/v1/payments/webhook, so an invoice can be seen turning paid without
Stripe. Demo and development only.`, opts.Stdout)
	demo := fs.Bool("demo", opts.Demo, "the portal runs in demo mode (`make demo`): sign with the demo webhook secret")
	dev := fs.Bool("dev", false, "outside demo mode: sign with payment.webhook_secret (needs environment: development)")
	intent := fs.String("intent", "", "PaymentIntent id pi_… (from POST /payments/create-payment-intent; the client secret works too)")
	status := fs.String("status", "succeeded", "succeeded | failed")
	url := fs.String("url", "", "base URL of the running portal (default http://127.0.0.1:<http.port>)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case !strings.HasPrefix(*intent, "pi_"):
		return usageError{"payments simulate-webhook needs -intent pi_… (the stripe_payment_id from GET /api/v1/payments)"}
	case *status != "succeeded" && *status != "failed":
		return usageError{fmt.Sprintf("payments simulate-webhook: -status must be succeeded or failed, got %q", *status)}
	case !*demo && !*dev:
		return usageError{"payments simulate-webhook forges Stripe events: it runs only with -demo (against `make demo`) or -dev (environment: development)"}
	}
	opts.Demo = *demo
	return app.SimulatePaymentWebhook(ctx, opts, app.SimulateWebhook{Intent: *intent, Status: *status, URL: *url, Dev: *dev})
}
func cmdImport(ctx context.Context, opts app.Options, args []string) error {
	fs := newFlagSet("import", `Usage: portal import earlier --mysql-dsn 'user:pass@tcp(host:3306)/portal' [--apply]

Copies portal users (e-mail, names, Contact and Account, bcrypt password hashes, which are
accepted at login and replaced by argon2id then), 2FA settings (secrets re-encrypted with
auth.encryptionKey), notifications and payment history from the earlier (MySQL) backend into
db.dsn. Rows already present are left alone, so running it twice changes nothing. Without
--apply nothing is written; the summary says what would be. Progress goes to stderr.
Needs db.dsn and auth.encryptionKey (the portal's key), not Vtiger.`, opts.Stdout)
	dsn := fs.String("mysql-dsn", "", "the earlier backend's MySQL database, user:pass@tcp(host:3306)/portal; - reads it from stdin (keeps the password out of ps and shell history)")
	apply := fs.Bool("apply", false, "write the rows (without it: a dry run that only prints the summary)")
	args, err := verbArgs(args, "earlier", "portal import earlier --mysql-dsn DSN [--apply]", fs.Usage)
	if err != nil {
		return err
	}
	if err := parseFlagsOnly(fs, args, "import earlier"); err != nil {
		return err
	}
	if *dsn == "-" {
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("import earlier: reading the DSN from stdin: %w", err)
		}
		*dsn = strings.TrimSpace(line)
	}
	if *dsn == "" {
		return usageError{"import earlier: --mysql-dsn is required"}
	}
	_, err = app.ImportEarlier(ctx, opts, *dsn, *apply)
	return err
}
func cmdAudit(ctx context.Context, opts app.Options, args []string) error {
	const synopsis = "portal audit list [-email E] [-since 2026-01-01|72h|30d] [-limit N]"
	args, err := verbArgs(args, "list", synopsis, func() { fmt.Fprintln(opts.Stdout, "Usage: "+synopsis) })
	if err != nil {
		return err
	}
	fs := newFlagSet("audit list", "Usage: portal audit list [-email E] [-since T] [-limit N]\n\nPrints the activity trail of portal writes, newest first, as a table (needs only db.dsn).", opts.Stdout)
	email := fs.String("email", "", "only entries of this portal user (case-insensitive)")
	since := fs.String("since", "", "only entries from this date (2026-01-01), RFC 3339 time, or this long ago (72h, 30d)")
	limit := fs.Int("limit", 50, "at most this many entries (1-10000)")
	if err := parseFlagsOnly(fs, args, "audit list"); err != nil {
		return err
	}
	if *limit < 1 || *limit > 10000 {
		return usageError{fmt.Sprintf("audit list: -limit must be between 1 and 10000, got %d", *limit)}
	}
	t, err := app.ParseSince(*since, time.Now())
	if err != nil {
		return usageError{err.Error()}
	}
	return app.AuditList(ctx, opts, app.AuditQuery{Email: *email, Since: t, Limit: *limit})
}
