package records

import (
	"context"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/sync/errgroup"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
)

// Statistics is the dashboard's numbers (contract row 21): every value is a
// JSON number.
type Statistics struct {
	Tickets  map[string]float64 `json:"tickets"`
	Projects map[string]float64 `json:"projects"`
	Invoices map[string]float64 `json:"invoices"`
	Tasks    map[string]float64 `json:"tasks"`
	// Approximate is true when a scan hit the row ceiling: the numbers
	// cover the first rows only (a bounded answer rather than an error).
	Approximate bool `json:"approximate"`
}

var (
	// openTicketStatuses are counted under their own names; the configured
	// closed status is counted under "Closed" (contract row 21).
	openTicketStatuses = []string{"Open", "In Progress", "Wait For Response"}
	openProjects       = []string{"prospecting", "initiated", "in progress", "waiting for feedback"}
	closedProjects     = []string{"completed", "delivered"}
)

// closedBucket is the contract's name for closed tickets, whatever the
// CRM calls the status (vtiger.business.tickets.closedStatus).
const closedBucket = "Closed"

// Statistics computes the dashboard from minimal field selects (never
// whole records), kept per customer scope (stale-while-revalidate).
func (s *Engine) Statistics(ctx context.Context, c domain.Customer) (Statistics, error) {
	key := cacheKey{kind: kindStats, scope: scopeOf(c)}
	return readAs(ctx, s.cache, key, func(ctx context.Context) (Statistics, error) { return s.statistics(ctx, c) })
}

// statistics runs the three scans two at a time; each fills its own map.
func (s *Engine) statistics(ctx context.Context, c domain.Customer) (Statistics, error) {
	st := Statistics{Tickets: newTicketStats(), Projects: map[string]float64{"total": 0, "open": 0, "closed": 0},
		Invoices: map[string]float64{"total_qty": 0, "total_sum": 0, "open_qty": 0, "open_sum": 0, "paid_qty": 0, "paid_sum": 0},
		Tasks:    map[string]float64{"In Progress": 0, "In Progress-hours": 0}}
	var approx [3]bool
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(2)
	g.Go(func() (err error) { approx[0], err = s.dashboardTickets(gctx, c, st.Tickets); return err })
	g.Go(func() (err error) { approx[1], err = s.dashboardInvoices(gctx, c, st.Invoices); return err })
	g.Go(func() (err error) { approx[2], err = s.dashboardProjects(gctx, c, st.Projects, st.Tasks); return err })
	if err := g.Wait(); err != nil {
		return Statistics{}, err
	}
	st.Approximate = approx[0] || approx[1] || approx[2]
	return st, nil
}

// ticketKeys are the count, days and hours keys of a ticket bucket.
func ticketKeys(bucket string) (count, days, hours string) {
	if bucket == closedBucket {
		return bucket, "Closed-Days", "Closed-Hours"
	}
	return bucket, bucket + "-days", bucket + "-hours"
}

func newTicketStats() map[string]float64 {
	out := map[string]float64{"total": 0}
	for _, b := range append(slices.Clone(openTicketStatuses), closedBucket) {
		n, d, h := ticketKeys(b)
		out[n], out[d], out[h] = 0, 0, 0
	}
	return out
}

// ticketBucket names the bucket of a ticket status ("" = counted in total only).
func (s *Engine) ticketBucket(status string) string {
	if status == s.cfg.Vtiger.Business.Tickets.ClosedStatus {
		return closedBucket
	}
	if slices.Contains(openTicketStatuses, status) {
		return status
	}
	return ""
}

// scanModule is a dashboard's one scan of a module (nothing when the
// module is not configured): see store.ScanAsList.
func (s *Engine) scanModule(ctx context.Context, c domain.Customer, name string) ([]vtiger.Record, bool, error) {
	def, ok := s.reg.ByName(name)
	if !ok {
		return nil, false, nil
	}
	return s.st.ScanAsList(ctx, def, c)
}

func (s *Engine) dashboardTickets(ctx context.Context, c domain.Customer, out map[string]float64) (approx bool, err error) {
	rows, approx, err := s.scanModule(ctx, c, "HelpDesk")
	if err != nil {
		return false, err
	}
	for _, r := range rows {
		out["total"]++
		b := s.ticketBucket(r.String("ticketstatus"))
		if b == "" {
			continue
		}
		n, d, h := ticketKeys(b)
		out[n]++
		out[d] += number(r["days"])
		out[h] += number(r["hours"])
	}
	return approx, nil
}

func (s *Engine) dashboardInvoices(ctx context.Context, c domain.Customer, out map[string]float64) (approx bool, err error) {
	rows, approx, err := s.scanModule(ctx, c, "Invoice")
	if err != nil {
		return false, err
	}
	for _, r := range rows {
		sum := number(r["hdnGrandTotal"])
		out["total_qty"]++
		out["total_sum"] += sum
		status := r.String("invoicestatus")
		if slices.Contains(s.cfg.Payment.PayableInvoiceStatuses, status) {
			out["open_qty"]++
			out["open_sum"] += sum
		}
		if status == s.cfg.Payment.PaidInvoiceStatus {
			out["paid_qty"]++
			out["paid_sum"] += sum
		}
	}
	return approx, nil
}

// dashboardProjects fills the project totals and the in-progress task
// numbers: one project scan serves both (and primes the engine's
// visible-project cache).
func (s *Engine) dashboardProjects(ctx context.Context, c domain.Customer, projects, tasks map[string]float64) (approx bool, err error) {
	rows, approx, err := s.scanModule(ctx, c, "Project")
	if err != nil {
		return false, err
	}
	inProgress, tasksApprox, err := s.tasksOfInProgress(ctx, c, []string{"projecttaskhours"}, rows)
	if err != nil {
		return false, err
	}
	for _, t := range inProgress {
		tasks["In Progress"]++
		tasks["In Progress-hours"] += number(t["projecttaskhours"])
	}
	for _, r := range rows {
		projects["total"]++
		switch status := strings.ToLower(r.String("projectstatus")); {
		case slices.Contains(openProjects, status):
			projects["open"]++
		case slices.Contains(closedProjects, status):
			projects["closed"]++
		}
	}
	return approx || tasksApprox, nil
}

// inProgressTasks returns the tasks of the customer's in-progress projects
// with two queries (projects, then tasks IN those projects).
func (s *Engine) inProgressTasks(ctx context.Context, c domain.Customer, fields []string) ([]vtiger.Record, error) {
	pdef, ok1 := s.reg.ByName("Project")
	_, ok2 := s.reg.ByName("ProjectTask")
	if !ok1 || !ok2 {
		return []vtiger.Record{}, nil
	}
	// A bounded list is what the dashboard shows; the flag only matters
	// to the statistics numbers.
	projects, _, err := s.st.Select(ctx, pdef, c, []string{"projectstatus"}, ListParams{})
	if err != nil {
		return nil, err
	}
	tasks, _, err := s.tasksOfInProgress(ctx, c, fields, projects)
	return tasks, err
}

// tasksOfInProgress returns the tasks of the in-progress projects among
// projects (already scoped to c).
func (s *Engine) tasksOfInProgress(ctx context.Context, c domain.Customer, fields []string, projects []vtiger.Record) (_ []vtiger.Record, approx bool, _ error) {
	tdef, ok := s.reg.ByName("ProjectTask")
	if !ok {
		return []vtiger.Record{}, false, nil
	}
	var ids []string
	for _, p := range projects {
		if strings.EqualFold(p.String("projectstatus"), "in progress") {
			ids = append(ids, p.String("id"))
		}
	}
	out := []vtiger.Record{}
	for len(ids) > 0 {
		// Keep IN lists bounded; each chunk is one paged query.
		n := min(len(ids), 50)
		rows, more, err := s.st.Select(ctx, tdef, c, fields, ListParams{InField: "projectid", InValues: ids[:n]})
		if err != nil {
			return nil, false, err
		}
		out = append(out, rows...)
		approx = approx || more
		ids = ids[n:]
	}
	return out, approx, nil
}

// StatisticsTasks lists the tasks of in-progress projects (row 22).
func (s *Engine) StatisticsTasks(ctx context.Context, c domain.Customer) ([]vtiger.Record, error) {
	key := cacheKey{kind: kindTaskStats, scope: scopeOf(c)}
	return readRecords(ctx, s.cache, key, func(ctx context.Context) ([]vtiger.Record, error) {
		return s.inProgressTasks(ctx, c, []string{"projecttaskname", "projecttaskstatus", "projecttask_no", "startdate", "enddate", "createdtime", "projectid"})
	})
}

// SearchItem is one global search hit.
type SearchItem struct {
	Label  string `json:"label"`
	CRMID  string `json:"crmid"`
	Module string `json:"module"`
	Parent string `json:"parent"`
}

// minSearchLen is the shortest global search term (the client sends ≥ 4).
const minSearchLen = 3

// searchLimit bounds the hits per module.
const searchLimit = 25

// Search finds published FAQs and the customer's tickets, projects and
// project tasks whose title or number contains term.
func (s *Engine) Search(ctx context.Context, c domain.Customer, term string) ([]SearchItem, error) {
	term = strings.TrimSpace(term)
	if utf8.RuneCountInString(term) < minSearchLen {
		return nil, domain.Invalid("search", "search text must be at least %d characters", minSearchLen)
	}
	type spec struct {
		module, label, parent string
	}
	specs := []spec{{"Faq", "question", ""}, {"HelpDesk", "ticket_title", "parent_id"},
		{"Project", "projectname", ""}, {"ProjectTask", "projecttaskname", "projectid"}}
	results := make([][]SearchItem, len(specs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(2)
	for i, sp := range specs {
		def, ok := s.reg.ByName(sp.module)
		if !ok {
			continue
		}
		g.Go(func() error {
			fields := []string{sp.label}
			if sp.parent != "" {
				fields = append(fields, sp.parent)
			}
			rows, err := s.st.SearchPage(gctx, def, c, fields, ListParams{Search: term}, searchLimit)
			if err != nil {
				return err
			}
			for _, r := range rows {
				results[i] = append(results[i], SearchItem{Label: r.String(sp.label), CRMID: r.String("id"), Module: sp.module, Parent: r.String(sp.parent)})
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := []SearchItem{}
	for _, r := range results {
		out = append(out, r...)
	}
	return out, nil
}

// StarredFAQs lists the published FAQs marked starred.
func (s *Engine) StarredFAQs(ctx context.Context, c domain.Customer) ([]vtiger.Record, error) {
	def, err := s.module("Faq")
	if err != nil {
		return nil, err
	}
	rows, err := cached(ctx, s, cacheKey{kind: kindList, module: "Faq", detail: "starred"}, func(ctx context.Context) ([]vtiger.Record, error) {
		// The CRM filters: the knowledge base is mostly unstarred, and a
		// full scan would page through all of it.
		p := ListParams{}
		if sc, err := s.st.Schema(ctx, def.Name); err == nil && sc.Has("starred") {
			p.Filters = map[string]string{"starred": "1"}
		}
		all, _, err := s.st.Select(ctx, def, c, nil, p)
		if err != nil {
			return nil, err
		}
		out := []vtiger.Record{}
		for _, r := range all {
			if b, _ := r["starred"].(bool); b {
				out = append(out, r)
			}
		}
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	return cloneRecords(rows), nil
}

// LeadInput is a referral a customer submits.
type LeadInput struct {
	FirstName string `json:"firstname"`
	LastName  string `json:"lastname"`
	Email     string `json:"email"`
	Phone     string `json:"phone"`
	Company   string `json:"company"`
}

var phonePattern = regexp.MustCompile(`^[0-9+()\-. /]{3,40}$`)

// CreateLead validates and creates a Lead naming the submitting contact.
func (s *Engine) CreateLead(ctx context.Context, c domain.Customer, in LeadInput) (vtiger.Record, error) {
	in.LastName = strings.TrimSpace(in.LastName)
	in.FirstName = strings.TrimSpace(in.FirstName)
	in.Email = strings.TrimSpace(in.Email)
	in.Phone = strings.TrimSpace(in.Phone)
	in.Company = strings.TrimSpace(in.Company)
	switch {
	case in.LastName == "":
		return nil, domain.Invalid("lastname", "is required")
	case len(in.LastName) > 80 || len(in.FirstName) > 40:
		return nil, domain.Invalid("lastname", "is too long")
	case in.Email == "":
		return nil, domain.Invalid("email", "is required")
	case len(in.Company) > 100:
		return nil, domain.Invalid("company", "is too long")
	}
	if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email || len(in.Email) > 100 {
		return nil, domain.Invalid("email", "must be a valid e-mail address")
	}
	if !phonePattern.MatchString(in.Phone) {
		return nil, domain.Invalid("phone", "must be a phone number")
	}
	b := s.cfg.Vtiger.Business
	el := map[string]any{"lastname": in.LastName, "email": in.Email, "phone": in.Phone,
		"leadsource": b.Leads.Source, "leadstatus": b.Leads.Status,
		"description": "From Contact " + c.ContactID + " - " + strings.TrimSpace(c.FirstName+" "+c.LastName)}
	if in.FirstName != "" {
		el["firstname"] = in.FirstName
	}
	if in.Company != "" {
		el["company"] = in.Company
	}
	if b.DefaultUser != "" {
		el["assigned_user_id"] = b.DefaultUser
	}
	return s.st.CreateLead(ctx, el)
}

// Company returns the company card.
func (s *Engine) Company(ctx context.Context) (vtiger.Record, error) {
	rec, err := s.st.Company(ctx)
	if err != nil {
		return nil, err
	}
	out := make(vtiger.Record, len(rec))
	for k, v := range rec {
		out[k] = v
	}
	return out, nil
}

// Currency returns a Currency record (cached), for documents printed in
// the record's currency.
func (s *Engine) Currency(ctx context.Context, id string) (vtiger.Record, error) {
	return s.st.Currency(ctx, id)
}

// Manager returns the public card of a CRM user.
func (s *Engine) Manager(ctx context.Context, id string) (vtiger.Record, error) {
	return s.st.Manager(ctx, id)
}

// describable are the built-in modules whose describe the frontend builds
// forms from (contract row 20); custom modules are added.
var describable = map[string]string{"HelpDesk": "HelpDesk", "Project": "Project", "ProjectTask": "ProjectTask",
	"ServiceContracts": "ServiceContracts", "ServiceContract": "ServiceContracts"}

// Describe returns the describe result of a portal module.
func (s *Engine) Describe(ctx context.Context, name string) (*vtiger.Module, error) {
	module, ok := describable[name]
	if ok {
		if _, err := s.module(module); err != nil {
			return nil, err
		}
	} else {
		def, err := s.customModule(name)
		if err != nil {
			return nil, err
		}
		module = def.Name
	}
	return s.st.Describe(ctx, module)
}
