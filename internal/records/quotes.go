package records

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/mail"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
)

// MaxQuoteCommentLen bounds the comment of a quote decision (characters).
const MaxQuoteCommentLen = 2000

// Quote decisions.
const (
	QuoteAccept = "accept"
	QuoteReject = "reject"
)

// quoteLocks serialises decisions on one quote inside this process, so two
// clicks on "accept" cannot both pass the open-stage check before either
// revise lands (Vtiger has no compare-and-set).
type quoteLocks struct {
	mu    sync.Mutex
	locks map[string]*quoteLock
}

type quoteLock struct {
	sync.Mutex
	users int
}

func (q *quoteLocks) lock(id string) func() {
	q.mu.Lock()
	if q.locks == nil {
		q.locks = map[string]*quoteLock{}
	}
	l := q.locks[id]
	if l == nil {
		l = &quoteLock{}
		q.locks[id] = l
	}
	l.users++
	q.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		q.mu.Lock()
		if l.users--; l.users == 0 {
			delete(q.locks, id)
		}
		q.mu.Unlock()
	}
}

var decisionLocks quoteLocks

// AcceptQuote sets an open, unexpired, in-scope quote to the accepted
// stage, files the comment on it and tells the quote's CRM user.
func (s *Engine) AcceptQuote(ctx context.Context, c domain.Customer, id, comment string) (vtiger.Record, error) {
	return s.DecideQuote(ctx, c, id, QuoteAccept, comment)
}

// RejectQuote is AcceptQuote with the rejected stage.
func (s *Engine) RejectQuote(ctx context.Context, c domain.Customer, id, comment string) (vtiger.Record, error) {
	return s.DecideQuote(ctx, c, id, QuoteReject, comment)
}

// DecideQuote applies a customer's decision (QuoteAccept or QuoteReject).
// Another customer's quote is the same 404 as GET /quotes/{id}; a quote
// that is not in an open stage, or whose validtill has passed, is a 409.
// The stage change is the request's outcome: the comment and the e-mail
// that follow it are logged when they fail, never reported as a failure.
func (s *Engine) DecideQuote(ctx context.Context, c domain.Customer, id, decision, comment string) (vtiger.Record, error) {
	def, err := s.module(Quotes)
	if err != nil {
		return nil, err
	}
	rules := s.cfg.Vtiger.Business.Quotes
	var stage, verb string
	switch decision {
	case QuoteAccept:
		stage, verb = rules.AcceptedStage, "Accepted"
	case QuoteReject:
		stage, verb = rules.RejectedStage, "Rejected"
	default:
		return nil, domain.Invalid("decision", "must be accept or reject")
	}
	comment = strings.TrimSpace(comment)
	if utf8.RuneCountInString(comment) > MaxQuoteCommentLen {
		return nil, domain.Invalid("comment", "must be at most %d characters", MaxQuoteCommentLen)
	}
	if !utf8.ValidString(comment) {
		return nil, domain.Invalid("comment", "must be UTF-8 text")
	}
	schema, err := s.st.Schema(ctx, def.Name)
	if err != nil {
		return nil, err
	}
	if !schema.ValidID(id) {
		return nil, domain.NotFound("record")
	}
	unlock := decisionLocks.lock(id)
	defer unlock()

	// The very check GET /quotes/{id} makes: out of scope is "not found".
	raw, err := s.st.getScoped(ctx, def, c, id, "")
	if err != nil {
		return nil, err
	}
	if cur := raw.String("quotestage"); !slices.Contains(rules.OpenStages, cur) {
		e := domain.Errorf(domain.ECONFLICT, "quote is no longer open (current stage: %s)", clip(cur))
		e.Field = "quotestage"
		return nil, e
	}
	if until := raw.String("validtill"); s.quoteExpired(until) {
		e := domain.Errorf(domain.ECONFLICT, "quote expired: it was valid until %s", clip(until))
		e.Field = "validtill"
		return nil, e
	}
	// Only quotestage: Vtiger 8.4 keeps the line items of an inventory
	// record revised without LineItems (revise-Invoice.json), and sending
	// them back would let rounding in the CRM's recomputation change totals.
	rec, err := s.st.Revise(ctx, def, c, id, "", map[string]any{"quotestage": stage})
	if err != nil {
		return nil, err
	}
	// The stage changed: the comment and the mail belong to it even when
	// the client hangs up now (each Vtiger call keeps its own timeout).
	ctx = context.WithoutCancel(ctx)
	text := decisionComment(c, verb, comment)
	if _, err := s.quoteComment(ctx, def, c, id, text); err != nil {
		s.log.WarnContext(ctx, "quote decision: adding the comment failed", "quote", id, "decision", decision, "err", err)
	}
	s.quoteMail(ctx, c, raw, strings.ToLower(verb), comment)
	s.enrichList(ctx, def, []vtiger.Record{rec})
	return rec, nil
}

// quoteComment files text as the customer's comment on the quote through
// the engine's comment creation. Quotes take no free comments from the
// portal (their definition has Comments off), so the decision borrows a
// copy of the definition with comments on for this one call.
func (s *Engine) quoteComment(ctx context.Context, def *Module, c domain.Customer, id, text string) (vtiger.Record, error) {
	d := *def
	d.Comments = true
	return s.st.AddComment(ctx, &d, c, id, "", text)
}

// decisionComment is the ModComment text: who decided, then their words.
func decisionComment(c domain.Customer, verb, comment string) string {
	who := customerName(c)
	if comment == "" {
		return verb + " by " + who + " in the customer portal (no comment)."
	}
	return verb + " by " + who + ": " + comment
}

func customerName(c domain.Customer) string {
	if n := strings.TrimSpace(c.FirstName + " " + c.LastName); n != "" {
		return n
	}
	if c.Email != "" {
		return c.Email
	}
	return "the customer"
}

// quoteExpired reports whether validtill has passed today in the
// configured zone.
func (s *Engine) quoteExpired(validTill string) bool {
	loc, err := time.LoadLocation(s.cfg.Vtiger.Business.Quotes.TimeZone)
	if err != nil {
		loc = time.UTC // validation refuses such a zone; a hand-built config may skip it
	}
	return quoteExpiredAt(validTill, time.Now(), loc)
}

// quoteExpiredAt: validtill is a calendar date, valid through its last
// day, so the quote expires when the date at now in loc is later. An
// empty or unreadable date never expires a quote: the CRM set no limit
// the portal can read.
func quoteExpiredAt(validTill string, now time.Time, loc *time.Location) bool {
	if len(validTill) < len("2006-01-02") {
		return false
	}
	until, err := time.Parse("2006-01-02", validTill[:10])
	if err != nil {
		return false
	}
	y, m, d := now.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).After(until)
}

// quoteMail queues the decision to the quote's assigned CRM user; a quote
// assigned to a group, a user without e-mail or a mail failure is logged.
func (s *Engine) quoteMail(ctx context.Context, c domain.Customer, quote vtiger.Record, decision, comment string) {
	if s.mailer == nil {
		return
	}
	qid := quote.String("id")
	userID := quote.String("assigned_user_id")
	users, err := s.st.Schema(ctx, "Users")
	if err != nil {
		s.log.WarnContext(ctx, "quote decision: describing Users failed", "quote", qid, "err", err)
		return
	}
	if !users.ValidID(userID) {
		s.log.InfoContext(ctx, "quote decision: the quote is not assigned to a user, nobody is mailed", "quote", qid, "assigned_user_id", userID)
		return
	}
	user, err := s.st.c.Retrieve(ctx, userID)
	if err != nil {
		s.log.WarnContext(ctx, "quote decision: retrieving the assigned user failed", "quote", qid, "user", userID, "err", err)
		return
	}
	to := user.String("email1")
	if to == "" {
		to = user.String("email2")
	}
	if to == "" {
		s.log.WarnContext(ctx, "quote decision: the assigned user has no e-mail", "quote", qid, "user", userID)
		return
	}
	who := customerName(c)
	if c.Email != "" && who != c.Email {
		who += " <" + c.Email + ">"
	}
	if acc := s.accountName(ctx, quote.String("account_id")); acc != "" {
		who += " (" + acc + ")"
	}
	data := mail.Data{FirstName: user.String("first_name"), LastName: user.String("last_name"),
		QuoteNo: quote.String("quote_no"), QuoteSubject: quote.String("subject"), Decision: decision,
		Customer: who, Comment: comment, Link: s.crmLink(Quotes, qid)}
	if comp, err := s.st.Company(ctx); err == nil {
		data.Company = comp.String("organizationname")
	}
	if err := s.mailer.Enqueue(ctx, mail.Message{To: to, Template: mail.TemplateQuoteDecision, Data: data}); err != nil {
		s.log.WarnContext(ctx, "quote decision: queueing the e-mail failed", "quote", qid, "to", to, "err", err)
	}
}

// accountName is the organisation's name for the mail ("" when unknown).
func (s *Engine) accountName(ctx context.Context, id string) string {
	if id == "" {
		return ""
	}
	acc, err := s.st.c.Retrieve(ctx, id)
	if err != nil {
		return ""
	}
	return acc.String("accountname")
}

// crmLink is the record's detail page in the Vtiger web UI, built from the
// configured webservice URL ("" when it is not an http(s) URL).
func (s *Engine) crmLink(module, wsID string) string {
	u, err := url.Parse(s.cfg.Vtiger.Connection.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	_, crmid, ok := strings.Cut(wsID, "x")
	if !ok || crmid == "" {
		return ""
	}
	u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/webservice.php"), "/") + "/index.php"
	u.RawQuery = url.Values{"module": {module}, "view": {"Detail"}, "record": {crmid}}.Encode()
	u.Fragment = ""
	return u.String()
}
