package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/jobs"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
	"github.com/portalcrm/vtiger-portal/internal/service/accounts"
)

// Migrate runs `portal migrate <sub> [n]` against db.dsn (PORTAL_DB_DSN).
// n is -1 when not given.
func Migrate(ctx context.Context, opts Options, sub string, n int) error {
	cfg, err := loadForCommand(opts)
	if err != nil {
		return err
	}
	dsn := cfg.DB.DSN
	if dsn == "" {
		return config.ValidationErrors{{Key: "db.dsn", Message: "is required (or set PORTAL_DB_DSN)"}}
	}
	switch sub {
	case "up":
		if err := postgres.MigrateUp(ctx, dsn); err != nil {
			return err
		}
	case "down":
		if n < 0 {
			n = 0
		}
		if err := postgres.MigrateDown(ctx, dsn, n); err != nil {
			return err
		}
	case "force":
		if err := postgres.MigrateForce(ctx, dsn, n); err != nil {
			return err
		}
	case "version":
	default:
		return fmt.Errorf("unknown migrate subcommand %q", sub)
	}
	v, dirty, err := postgres.MigrateVersion(ctx, dsn)
	if err != nil {
		return err
	}
	state := "clean"
	if dirty {
		state = "DIRTY (fix the failed migration, then `portal migrate force N`)"
	}
	fmt.Fprintf(opts.Stdout, "schema version %d of %d, %s\n", v, postgres.LatestVersion(), state)
	return nil
}

// CheckConfig validates the configuration (including what serve needs) and
// prints every problem at once.
func CheckConfig(opts Options) error {
	path, err := config.Resolve(opts.ConfigPath, opts.Getenv)
	if err != nil {
		return err
	}
	cfg, warnings, err := config.Load(path, opts.Getenv)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		fmt.Fprintln(opts.Stdout, "warning:", w)
	}
	if err := cfg.ValidateForServe(); err != nil {
		return err
	}
	src := path
	if src == "" {
		src = "defaults and environment only (no portal.yaml found)"
	}
	fmt.Fprintf(opts.Stdout, "configuration OK: %s\n", src)
	return nil
}

func loadForCommand(opts Options) (*config.Config, error) {
	if opts.Getenv == nil {
		return nil, errors.New("app: Options.Getenv is nil")
	}
	cfg, _, err := loadConfig(opts)
	return cfg, err
}

// DisableOTP turns off two-factor login for the portal user with email
// (for a customer who lost their phone and their recovery codes). It needs
// only db.dsn: no Vtiger credentials and no encryption key, since it
// deletes the TOTP secret without reading it.
func DisableOTP(ctx context.Context, opts Options, email string) error {
	db, err := openDBForCommand(ctx, opts)
	if err != nil {
		return err
	}
	defer db.Close()
	admin := accounts.NewOTPAdmin(postgres.NewUserStore(db), postgres.NewOTPStore(db))
	if err := admin.Disable(ctx, email); err != nil {
		return fmt.Errorf("disable two-factor login for %s: %w", email, err)
	}
	fmt.Fprintf(opts.Stdout, "two-factor login disabled for %s; their sessions must log in again\n", email)
	return nil
}

// openDBForCommand opens only PostgreSQL (db.dsn), after checking the
// schema is current, for commands that touch nothing else.
func openDBForCommand(ctx context.Context, opts Options) (*postgres.DB, error) {
	cfg, err := loadForCommand(opts)
	if err != nil {
		return nil, err
	}
	if cfg.DB.DSN == "" {
		return nil, config.ValidationErrors{{Key: "db.dsn", Message: "is required (or set PORTAL_DB_DSN)"}}
	}
	if err := postgres.CheckSchema(ctx, cfg.DB.DSN); err != nil {
		return nil, err
	}
	db, err := postgres.Open(ctx, cfg.DB)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	return db, nil
}

// openForImport opens what `notifications import` uses: the database and
// the Vtiger client, and the notification service over them (no
// encryption key, no other service).
func openForImport(ctx context.Context, opts Options) (*Main, error) {
	m, err := newMain(opts, func(c *config.Config) error {
		return c.ValidateFor("import notifications", "db.dsn", "vtiger.connection.url",
			"vtiger.connection.username", "vtiger.connection.accessKey")
	})
	if err != nil {
		return nil, err
	}
	if err := m.openDB(ctx); err != nil {
		return nil, err
	}
	if err := m.openVtiger(); err != nil {
		m.Close(ctx)
		return nil, err
	}
	if err := m.buildNotifications(); err != nil {
		m.Close(ctx)
		return nil, err
	}
	return m, nil
}

// ImportNotifications pulls new notifications from Vtiger once, under the
// same advisory lock as the background job so cron and a running portal
// never import at the same time.
func ImportNotifications(ctx context.Context, opts Options) error {
	m, err := openForImport(ctx, opts)
	if err != nil {
		return err
	}
	defer m.Close(context.WithoutCancel(ctx))
	if !m.Config.Notifications.Enabled {
		return errors.New("notifications.enabled is false: nothing to import")
	}
	release, ok, err := m.DB.TryAdvisoryLock(ctx, jobs.KeyNotificationImport)
	if err != nil {
		return fmt.Errorf("notification import lock: %w", err)
	}
	if !ok {
		fmt.Fprintln(opts.Stdout, "another instance is importing right now; nothing done")
		return nil
	}
	defer release()
	n, err := m.services.notifications.Import(ctx)
	if err != nil {
		return fmt.Errorf("notification import: %w", err)
	}
	fmt.Fprintf(opts.Stdout, "%d notification(s) imported\n", n)
	return nil
}
