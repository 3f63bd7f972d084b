package http

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/portalcrm/vtiger-portal/internal/domain"
)

// ActivityService records the trail of portal writes and reads it back
// within the caller's organisation (internal/service/activity).
type ActivityService interface {
	Record(ctx context.Context, a domain.Activity) error
	ForCustomer(ctx context.Context, c domain.Customer, recordID string, page, size int) ([]domain.Activity, int, error)
}

// activityFailures is the optional metrics hook for entries that could not
// be stored (metrics.Metrics has it).
type activityFailures interface {
	ActivityRecordFailed()
}

const (
	activityKey ctxKey = iota + 100
	// Bounds of what the recorder looks at: the answer (for the new
	// record's id and the stored values) and an upload's first part headers.
	activityAnswerLimit    = 256 << 10
	activityMultipartLimit = 16 << 10
	activityValueLimit     = 2000 // characters of one recorded value
	activityStoreTimeout   = 5 * time.Second
)

// activityState travels in the request context from recordActivity down to
// the handler and back: authentication fills in the session, a handler
// may add the values its write replaced.
type activityState struct {
	session *domain.Session
	old     map[string]any
}

func activityFrom(r *http.Request) *activityState {
	st, _ := r.Context().Value(activityKey).(*activityState)
	return st
}

// activityOld hands the trail the values a write is about to replace, so
// the entry shows old → new and leaves out fields that did not change.
// Handlers call it before the write; outside a recorded request it does nothing.
func activityOld(r *http.Request, old map[string]any) {
	if st := activityFrom(r); st != nil && len(old) > 0 {
		if st.old == nil {
			st.old = map[string]any{}
		}
		for k, v := range old {
			st.old[k] = v
		}
	}
}

// activitySubject names who an anonymous write acted for (a registration,
// a password reset by e-mailed link), which has no session to tell.
func activitySubject(r *http.Request, c domain.Customer) {
	if st := activityFrom(r); st != nil && st.session == nil && c.UserID != 0 {
		st.session = &domain.Session{Customer: c}
	}
}

// activityWanted reports whether this request is being recorded, so a
// handler only pays for reading old values when they are used.
func activityWanted(r *http.Request) bool { return activityFrom(r) != nil }

// structFields turns a JSON-tagged struct into its JSON object, the form
// activityOld takes.
func structFields(v any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

func isWrite(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// prefixBuffer keeps the first limit bytes written to it and drops the rest.
type prefixBuffer struct {
	buf   bytes.Buffer
	limit int
	full  bool
}

func (p *prefixBuffer) Write(b []byte) (int, error) {
	if room := p.limit - p.buf.Len(); room > 0 {
		if len(b) > room {
			p.buf.Write(b[:room])
			p.full = true
		} else {
			p.buf.Write(b)
		}
	} else if len(b) > 0 {
		p.full = true
	}
	return len(b), nil
}

// teeBody copies what the handler reads of an upload into a prefixBuffer,
// so the file name is known without buffering the file.
type teeBody struct {
	body io.ReadCloser
	w    *prefixBuffer
}

func (t teeBody) Read(p []byte) (int, error) {
	n, err := t.body.Read(p)
	if n > 0 {
		_, _ = t.w.Write(p[:n])
	}
	return n, err
}

func (t teeBody) Close() error { return t.body.Close() }

// recordActivity is the one place portal writes enter the activity trail:
// after a successful (2xx) authenticated POST/PUT/PATCH/DELETE it stores
// who, what (route → module via activityRoutes, record id, changed fields
// with secrets redacted), when and from where. A failure to store is
// logged and counted, never turned into an error for the customer.
func (s *Server) recordActivity(next http.Handler) http.Handler {
	if s.Activity == nil || !s.Config.Audit.Enabled {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isWrite(r.Method) {
			next.ServeHTTP(w, r)
			return
		}
		st := &activityState{}
		r = withValue(r, activityKey, st)
		var body []byte
		var upload *prefixBuffer
		if isMultipart(r) {
			if r.Body != nil && r.Body != http.NoBody {
				upload = &prefixBuffer{limit: activityMultipartLimit}
				r.Body = teeBody{body: r.Body, w: upload}
			}
		} else {
			body = peekBody(r) // already capped by limitBody
		}
		answer := &prefixBuffer{limit: activityAnswerLimit}
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		ww.Tee(answer)
		next.ServeHTTP(ww, r)

		status := ww.Status()
		if status == 0 {
			status = http.StatusOK
		}
		// A replayed Idempotency-Key answer was recorded when it first ran.
		if status < 200 || status > 299 || st.session == nil || ww.Header().Get(idempotencyReplayedHeader) != "" {
			return
		}
		a, ok := s.activityEntry(r, st, status, body, upload, answer)
		if !ok {
			return
		}
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), activityStoreTimeout)
		defer cancel()
		if err := s.Activity.Record(ctx, a); err != nil {
			s.logger.ErrorContext(ctx, "activity entry not stored", "err", err, "route", a.Route,
				"method", a.Method, "user_id", a.UserID, "record_id", a.RecordID, "request_id", a.RequestID)
			if f, ok := s.Metrics.(activityFailures); ok {
				f.ActivityRecordFailed()
			}
		}
	})
}

// activityEntry builds the entry of a successful write; ok is false for
// writes the trail skips.
func (s *Server) activityEntry(r *http.Request, st *activityState, status int, body []byte,
	upload, answer *prefixBuffer) (domain.Activity, bool) {
	route, spec, param := activityRouteOf(r)
	if spec.Skip {
		return domain.Activity{}, false
	}
	sent, stored := activityBodies(body, answer)

	changes := bodyChanges(spec, sent, stored, st.old)
	if upload != nil {
		changes = append(changes, uploadChanges(r.Header.Get("Content-Type"), upload.buf.Bytes())...)
	}

	c := st.session.Customer
	recordID := activityRecordID(spec, c, param, sent, stored)
	return domain.Activity{
		UserID:    c.UserID,
		Email:     c.Email,
		Name:      strings.TrimSpace(c.FirstName + " " + c.LastName),
		ContactID: c.ContactID,
		AccountID: c.AccountID,
		Method:    r.Method,
		Route:     clip(route, 200),
		Module:    s.activityModule(r.Context(), spec, param, recordID),
		Action:    activityAction(spec, sent),
		RecordID:  clip(recordID, 100),
		Changes:   changes,
		Status:    status,
		ClientIP:  clientIP(r),
		RequestID: requestID(r),
	}, true
}

// activityRouteOf finds how the request's route is filed: its chi pattern
// without /api/v1, its activityRoutes line (a route without one is filed
// under the path's first segment, by method), and its path parameters.
func activityRouteOf(r *http.Request) (route string, spec activityRoute, param func(string) string) {
	rctx := chi.RouteContext(r.Context())
	pattern := ""
	if rctx != nil {
		pattern = rctx.RoutePattern()
	}
	route = strings.TrimPrefix(pattern, "/api/v1")
	if route == "" {
		route = "/"
	}
	param = func(name string) string {
		if rctx == nil {
			return ""
		}
		return rctx.URLParam(name)
	}
	spec, known := activityRoutes[r.Method+" "+route]
	if !known {
		spec = activityRoute{Module: firstSegment(route), Action: strings.ToLower(r.Method)}
	}
	return route, spec, param
}

// activityBodies decodes what was sent and what was stored: the request's
// JSON object, and the answer's (its data object when enveloped). A body
// that is not an object, or an answer cut off at activityAnswerLimit,
// leaves nothing to record.
func activityBodies(body []byte, answer *prefixBuffer) (sent, stored map[string]any) {
	if len(body) > 0 {
		_ = json.Unmarshal(body, &sent)
	}
	var answered map[string]any
	if !answer.full {
		_ = json.Unmarshal(answer.buf.Bytes(), &answered)
	}
	stored = answered
	if inner, ok := answered["data"].(map[string]any); ok {
		stored = inner
	}
	return sent, stored
}

// activityAction is what the write did: the route's action, unless the
// body carries a key that names another (a password in a profile update).
func activityAction(spec activityRoute, sent map[string]any) string {
	action := spec.Action
	for k, a := range spec.ActionIfKey {
		if v, ok := sent[k]; ok && v != nil && v != "" {
			action = a
		}
	}
	return action
}

// activityModule is the module the entry is filed under, by its configured
// name whatever casing the route was called with: privacy rules compare
// that name.
func (s *Server) activityModule(ctx context.Context, spec activityRoute, param func(string) string, recordID string) string {
	switch {
	case spec.ModuleParam != "":
		module := spec.Module
		if m := param(spec.ModuleParam); m != "" {
			module = m
		}
		return s.configuredCustomModule(module)
	case spec.Module == activityCustomModule:
		return s.canonicalCustomModule(ctx, recordID, spec.Module)
	}
	return spec.Module
}

// activityRecordID is the record a write touched: the caller's own Contact
// for self routes, else the route's id parameter, an id field of the
// request body, or the id in the answer, whichever comes first.
func activityRecordID(spec activityRoute, c domain.Customer, param func(string) string, sent, stored map[string]any) string {
	var recordID string
	if spec.Self {
		recordID = c.ContactID
	}
	if recordID == "" {
		idParam := spec.IDParam
		if idParam == "" {
			idParam = "id"
		}
		recordID = param(idParam)
	}
	for _, k := range spec.IDBody {
		if recordID != "" {
			break
		}
		if v, ok := sent[k].(string); ok {
			recordID = strings.TrimSpace(v)
		}
	}
	if recordID == "" {
		if v, ok := stored["id"]; ok && v != nil {
			recordID = fmt.Sprint(v)
		}
	}
	return recordID
}

// activityCustomModule files a write through a route that names no
// module (the frontend's /custom-modules/undefined/...) until its record
// says which one it is.
const activityCustomModule = "CustomModule"

// configuredCustomModule is the configured spelling of a custom module
// named in a URL. The URL's own will not do: routes match module names
// case-insensitively (as the engine does), while the trail's privacy
// (visibility "contact") compares the configured name, so "assets" would
// be shown to the whole organisation.
func (s *Server) configuredCustomModule(name string) string {
	for configured := range s.Config.Vtiger.Business.CustomModules {
		if strings.EqualFold(configured, name) {
			return configured
		}
	}
	return name
}

// canonicalCustomModule is the configured name of the custom module id
// belongs to, for the route that names no module.
func (s *Server) canonicalCustomModule(ctx context.Context, id, fallback string) string {
	if s.CRM.Records == nil || id == "" {
		return fallback
	}
	m, err := s.CRM.Records.ModuleForID(ctx, id)
	if err != nil || m == "" {
		s.logger.WarnContext(ctx, "activity: module of a custom record not known; filed under the URL's name", "record_id", id, "err", err)
		return fallback
	}
	return m
}

func firstSegment(route string) string {
	seg, _, _ := strings.Cut(strings.TrimPrefix(route, "/"), "/")
	return seg
}

// bodyChanges lists the recorded fields of a JSON body, sorted by name.
// A field counts when the route lists it (Fields), or when the answer
// shows the value that was sent, so what the portal ignored stays out.
// Known old values that equal the new one are dropped as unchanged.
func bodyChanges(spec activityRoute, sent, stored, old map[string]any) []domain.FieldChange {
	keys := make([]string, 0, len(sent))
	for k := range sent {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []domain.FieldChange
	for _, k := range keys {
		v := sent[k]
		// The handlers of Fields routes decode bodies into structs, and
		// encoding/json matches a key to a field case-insensitively:
		// TicketStatus sets ticketstatus, so it is recorded as that field
		// (under its own name when the exact key was sent too, as either
		// may have been applied). A declared secret under any casing is
		// kept, redacted, under the name it was sent with.
		name := k
		if _, ok := foldIn(spec.Ignore, k); ok {
			continue
		}
		_, isDeclared := foldIn(spec.Secrets, k)
		secret := isSecretKey(k) || isDeclared
		switch {
		case spec.Fields != nil:
			c, ok := foldIn(spec.Fields, k)
			if !ok {
				continue
			}
			if !hasKey(sent, c) {
				name = c
			}
		case isDeclared:
			if v == nil || v == "" {
				continue
			}
		default:
			got, ok := stored[k]
			if !ok || !sameValue(v, got) {
				continue
			}
		}
		if secret || isDataURL(v) {
			out = append(out, domain.FieldChange{Field: clip(name, 100), Redacted: true})
			continue
		}
		ch := domain.FieldChange{Field: clip(name, 100), New: cleanValue(v)}
		if o, ok := old[name]; ok {
			if sameValue(o, v) {
				continue
			}
			ch.Old = cleanValue(o)
		}
		out = append(out, ch)
	}
	// Sorted by the recorded name (a folded key takes its field's place).
	sort.SliceStable(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// foldIn finds k in list as encoding/json matches a key to a field: the
// exact name, else one equal under Unicode case folding.
func foldIn(list []string, k string) (string, bool) {
	if slices.Contains(list, k) {
		return k, true
	}
	for _, f := range list {
		if strings.EqualFold(f, k) {
			return f, true
		}
	}
	return "", false
}

// hasKey reports whether k is a key of m (sent with exactly that name).
func hasKey(m map[string]any, k string) bool { _, ok := m[k]; return ok }

// uploadChanges names the files of a multipart body from its first bytes.
func uploadChanges(contentType string, prefix []byte) []domain.FieldChange {
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil || params["boundary"] == "" {
		return nil
	}
	mr := multipart.NewReader(bytes.NewReader(prefix), params["boundary"])
	var out []domain.FieldChange
	for {
		part, err := mr.NextPart()
		if err != nil {
			return out
		}
		if name := part.FileName(); name != "" {
			out = append(out, domain.FieldChange{Field: clip(part.FormName(), 100), New: clip(name, 255)})
		}
	}
}

// secretKeyParts mark body keys whose values never enter the trail.
var secretKeyParts = []string{"password", "secret", "token", "otp", "imagecontent", "filecontent", "recovery", "base32"}

func isSecretKey(k string) bool {
	k = strings.ToLower(k)
	if k == "code" || k == "pin" {
		return true
	}
	for _, p := range secretKeyParts {
		if strings.Contains(k, p) {
			return true
		}
	}
	return false
}

func isDataURL(v any) bool {
	s, ok := v.(string)
	return ok && strings.HasPrefix(strings.TrimSpace(s), "data:")
}

// cleanValue redacts secrets nested in objects (a Stripe PaymentIntent's
// client_secret) and shortens long strings.
func cleanValue(v any) any {
	switch v := v.(type) {
	case string:
		if isDataURL(v) {
			return "[redacted]"
		}
		return clip(v, activityValueLimit)
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			if isSecretKey(k) {
				out[clip(k, 100)] = "[redacted]"
				continue
			}
			out[clip(k, 100)] = cleanValue(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = cleanValue(x)
		}
		return out
	}
	return v
}

// clip shortens s to n characters and drops NUL bytes, which PostgreSQL
// text and jsonb refuse.
func clip(s string, n int) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// sameValue compares a sent value with a stored one loosely: the CRM
// answers numbers and booleans as strings ("5", "1") and references as
// {id, label}.
func sameValue(a, b any) bool {
	if ref, ok := b.(map[string]any); ok {
		if id, ok := ref["id"]; ok {
			if _, sentRef := a.(map[string]any); !sentRef {
				b = id
			}
		}
	}
	return strings.TrimSpace(domain.FieldText(a)) == strings.TrimSpace(domain.FieldText(b))
}
