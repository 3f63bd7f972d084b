package http

import (
	"context"
	"encoding/csv"
	"mime"
	"net/http"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/records"
)

// ExportService exports a whole list (CSV export of the list routes).
type ExportService interface {
	Export(ctx context.Context, c domain.Customer, t records.Target, p records.ListParams) (*records.Export, error)
}

var _ ExportService = (*records.Engine)(nil)

// wantsCSV reports whether a list request asks for the CSV export:
// ?format=csv, or an Accept header naming text/csv when no format is
// given. Any other format value is refused rather than ignored.
func wantsCSV(r *http.Request) (bool, error) {
	q := r.URL.Query()
	if q.Has("format") {
		switch strings.ToLower(q.Get("format")) {
		case "csv":
			return true, nil
		case "json", "":
			return false, nil
		}
		return false, domain.Invalid("format", "format must be csv or json")
	}
	// Accept: the better-weighted of text/csv and JSON (application/json or
	// a wildcard) wins; on a tie the one listed first.
	csvWins, best := false, 0.0
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(v, 64); err != nil {
				continue
			}
		}
		switch mt {
		case "text/csv", "application/json", "*/*", "application/*":
		default:
			continue
		}
		if q > best {
			csvWins, best = mt == "text/csv", q
		}
	}
	return csvWins, nil
}

func wantsBOM(r *http.Request) (bool, error) {
	switch strings.ToLower(r.URL.Query().Get("bom")) {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	}
	return false, domain.Invalid("bom", "bom must be 1 or 0")
}

var fileNameUnsafe = regexp.MustCompile(`[^a-z0-9_-]+`)

// exportFileName is the list's last path segment and today's date, e.g.
// tickets-2026-12-02.csv or tasks-2026-12-02.csv.
func exportFileName(r *http.Request) string {
	name := fileNameUnsafe.ReplaceAllString(strings.ToLower(path.Base(r.URL.Path)), "-")
	name = strings.Trim(name, "-")
	if name == "" {
		name = "export"
	}
	return name + "-" + time.Now().UTC().Format(time.DateOnly) + ".csv"
}

// formulaSafe defuses spreadsheet formula injection: a cell a spreadsheet
// would evaluate (starting with = + - @, a tab or a CR) is prefixed with '.
func formulaSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// crmExport streams the whole filtered, sorted, scoped list as CSV. Every
// check (scope of the parent, filters, sort, the row cap via the count)
// runs before the first byte, so those errors are the usual JSON errors;
// a Vtiger failure after streaming began aborts the connection, so the
// client sees a broken download instead of a silently short file.
func (s *Server) crmExport(w http.ResponseWriter, r *http.Request, base records.Target) error {
	bom, err := wantsBOM(r)
	if err != nil {
		return err
	}
	t, p, err := s.listRequest(r, base)
	if err != nil {
		return err
	}
	delete(p.Query, "format")
	delete(p.Query, "bom")
	if s.CRM.Export == nil {
		return domain.Errorf(domain.EUNAVAILABLE, "export is not available")
	}
	exp, err := s.CRM.Export.Export(r.Context(), customer(r), t, p)
	if err != nil {
		return err
	}
	rc := http.NewResponseController(w)
	// The write deadline runs from the request's start; the count above
	// may have used most of it. Streaming gets a fresh window, moved ahead
	// again after every page.
	extend := func() {
		if s.Config.HTTP.WriteTimeout > 0 {
			_ = rc.SetWriteDeadline(time.Now().Add(s.Config.HTTP.WriteTimeout))
		}
	}
	extend()
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+exportFileName(r)+`"`)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if bom {
		_, _ = w.Write([]byte("\uFEFF"))
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true // RFC 4180
	header := make([]string, len(exp.Columns))
	for i, c := range exp.Columns {
		header[i] = formulaSafe(c.Label)
	}
	_ = cw.Write(header)
	n := 0
	err = exp.Rows(r.Context(), func(row []string) error {
		for i := range row {
			row[i] = formulaSafe(row[i])
		}
		if err := cw.Write(row); err != nil {
			return err
		}
		if n++; n%100 == 0 {
			// One flush per Vtiger page: the client receives rows as they
			// arrive, and a long export keeps its write deadline ahead.
			cw.Flush()
			extend()
			_ = rc.Flush()
			return cw.Error()
		}
		return nil
	})
	cw.Flush()
	if err == nil {
		err = cw.Error()
	}
	if err != nil {
		s.logger.ErrorContext(r.Context(), "csv export aborted", "path", r.URL.Path, "rows", n, "err", err,
			"request_id", requestID(r))
		panic(http.ErrAbortHandler)
	}
	return nil
}
