package app

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
	"github.com/portalcrm/vtiger-portal/internal/service/activity"
)

// AuditQuery is what `portal audit list` asks for.
type AuditQuery struct {
	Email string
	Since time.Time // zero: from the beginning
	Limit int
}

// ParseSince reads --since: a date (2026-01-01, UTC), an RFC 3339 time, or
// a duration back from now (72h, 90m, 30d).
func ParseSince(v string, now time.Time) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if days, ok := strings.CutSuffix(v, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 {
			return now.Add(-time.Duration(n) * 24 * time.Hour), nil
		}
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("--since %q: want a date (2026-01-01), an RFC 3339 time or a duration (72h, 30d)", v)
}

// AuditList prints the activity trail, newest first, as a table. It needs
// only the database.
func AuditList(ctx context.Context, opts Options, q AuditQuery) error {
	cfg, err := loadForCommand(opts)
	if err != nil {
		return err
	}
	if cfg.DB.DSN == "" {
		return config.ValidationErrors{{Key: "db.dsn", Message: "is required (or set PORTAL_DB_DSN)"}}
	}
	if err := postgres.CheckSchema(ctx, cfg.DB.DSN); err != nil {
		return err
	}
	db, err := postgres.Open(ctx, cfg.DB)
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer db.Close()
	svc, err := activity.New(postgres.NewActivityStore(db), *cfg)
	if err != nil {
		return err
	}
	if q.Limit <= 0 {
		q.Limit = 50
	}
	list, total, err := svc.Search(ctx, q.Email, q.Since, q.Limit)
	if err != nil {
		return fmt.Errorf("read the activity trail: %w", err)
	}
	tw := tabwriter.NewWriter(opts.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tEMAIL\tACCOUNT\tMETHOD\tROUTE\tMODULE\tACTION\tRECORD\tCHANGES\tIP\tREQUEST")
	for _, a := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			a.CreatedAt.UTC().Format(time.RFC3339), dash(a.Email), dash(a.AccountID), printable(a.Method), printable(a.Route),
			dash(a.Module), dash(a.Action), dash(a.RecordID), changesSummary(a.Changes), dash(a.ClientIP), dash(a.RequestID))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(opts.Stdout, "%d of %d entries\n", len(list), total)
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return printable(s)
}

// printable replaces what a terminal would act on rather than show:
// control characters (escape sequences can retitle or clear the screen
// and rewrite earlier lines) and bidirectional overrides. The trail holds
// what customers typed, so nothing of it reaches the terminal raw.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			return '\uFFFD'
		}
		return r
	}, s)
}

// changesSummary is "field=value, field=old→new, password=[redacted]" on one line.
func changesSummary(changes []domain.FieldChange) string {
	if len(changes) == 0 {
		return "-"
	}
	parts := make([]string, 0, len(changes))
	for _, c := range changes {
		switch {
		case c.Redacted:
			parts = append(parts, printable(c.Field)+"=[redacted]")
		case c.Old != nil:
			parts = append(parts, printable(c.Field)+"="+oneLine(c.Old)+"→"+oneLine(c.New))
		default:
			parts = append(parts, printable(c.Field)+"="+oneLine(c.New))
		}
	}
	return strings.Join(parts, ", ")
}

func oneLine(v any) string {
	s, ok := v.(string)
	if !ok {
		b, _ := json.Marshal(v)
		s = string(b)
	}
	s = printable(strings.Join(strings.Fields(s), " "))
	if r := []rune(s); len(r) > 40 {
		s = string(r[:40]) + "…"
	}
	return s
}
