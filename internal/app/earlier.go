package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/earlier"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
	"github.com/portalcrm/vtiger-portal/internal/service/accounts"
)

var _ earlier.Sealer = (*accounts.Cipher)(nil)

// ImportEarlier runs `portal import earlier`: it copies users, 2FA
// settings, notifications and payments from the earlier backend's MySQL
// database (mysqlDSN) into db.dsn. Without apply it only prints what it
// would do. It needs the database and auth.encryptionKey, not Vtiger.
func ImportEarlier(ctx context.Context, opts Options, mysqlDSN string, apply bool) (*earlier.Report, error) {
	cfg, err := loadForCommand(opts)
	if err != nil {
		return nil, err
	}
	var verrs config.ValidationErrors
	if strings.TrimSpace(cfg.DB.DSN) == "" {
		verrs = append(verrs, config.FieldError{Key: "db.dsn", Message: "is required (or set PORTAL_DB_DSN)"})
	}
	// The TOTP secrets are re-encrypted with the key the portal will
	// decrypt them with: a random key here would lock those users out.
	if strings.TrimSpace(cfg.Auth.EncryptionKey) == "" {
		verrs = append(verrs, config.FieldError{Key: "auth.encryptionKey",
			Message: "is required to carry over TOTP secrets (or set PORTAL_ENCRYPTION_KEY to the key the portal runs with)"})
	}
	if len(verrs) > 0 {
		return nil, verrs
	}
	if strings.TrimSpace(mysqlDSN) == "" {
		return nil, errors.New("import earlier: --mysql-dsn is required")
	}
	key, err := accounts.ParseKey(cfg.Auth.EncryptionKey)
	if err != nil {
		return nil, config.ValidationErrors{{Key: "auth.encryptionKey", Message: err.Error()}}
	}
	cipher, err := accounts.NewCipher(key)
	if err != nil {
		return nil, err
	}

	if cfg.DB.AutoMigrate && apply {
		if err := postgres.MigrateUp(ctx, cfg.DB.DSN); err != nil {
			return nil, fmt.Errorf("apply migrations: %w", err)
		}
	} else if err := postgres.CheckSchema(ctx, cfg.DB.DSN); err != nil {
		return nil, err
	}
	db, err := postgres.Open(ctx, cfg.DB)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer db.Close()
	src, err := earlier.OpenSource(ctx, mysqlDSN)
	if err != nil {
		return nil, err
	}
	defer src.Close()

	rep, err := earlier.Run(ctx, earlier.Options{
		Source: src, Target: db.Pool(), Sealer: cipher, Apply: apply, Progress: opts.Stderr,
	})
	if err != nil {
		return nil, err
	}
	if err := rep.WriteSummary(opts.Stdout); err != nil {
		return nil, err
	}
	return rep, nil
}
