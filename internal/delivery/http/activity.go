package http

import (
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/records"
)

// activityRecordRoutes are the per-record trails, one per record route of
// the frontend (each handler, in activity_docs.go, has its own swag block,
// so each area's tag lists its own route).
var activityRecordRoutes = []struct {
	path    string
	handler func(*Server, http.ResponseWriter, *http.Request)
}{
	{"/tickets/{id}/activity", (*Server).ticketActivity},
	{"/projects/{id}/activity", (*Server).projectActivity},
	{"/projects/{pid}/tasks/{id}/activity", (*Server).taskActivity},
	{"/invoices/{id}/activity", (*Server).invoiceActivity},
	{"/sales-orders/{id}/activity", (*Server).salesOrderActivity},
	{"/quotes/{id}/activity", (*Server).quoteActivity},
	{"/service-contracts/{id}/activity", (*Server).serviceContractActivity},
	{"/custom-modules/{module}/{id}/activity", (*Server).customRecordActivity},
}

// mountActivity registers GET /activity and the per-record trails.
func (s *Server) mountActivity(r chi.Router) {
	r.Group(func(r chi.Router) {
		if s.Activity == nil {
			r.Get("/activity", s.unavailable)
			for _, rt := range activityRecordRoutes {
				r.Get(rt.path, s.unavailable)
			}
			return
		}
		r.Use(s.requireAuth)
		r.Get("/activity", s.listActivity)
		for _, rt := range activityRecordRoutes {
			h := rt.handler
			r.Get(rt.path, func(w http.ResponseWriter, r *http.Request) { h(s, w, r) })
		}
	})
}

// ActivityJSON is one entry of the trail.
type ActivityJSON struct {
	ID        int64                `json:"id"`
	CreatedAt time.Time            `json:"created_at"`
	Module    string               `json:"module"`
	Action    string               `json:"action" example:"status"`
	RecordID  string               `json:"record_id" example:"17x5"`
	Method    string               `json:"method" example:"PATCH"`
	Route     string               `json:"route" example:"/tickets/{id}"`
	Changes   []domain.FieldChange `json:"changes"`
	User      ActivityUserJSON     `json:"user"`
	// IP is shown on the caller's own entries only.
	IP        string `json:"ip,omitempty"`
	RequestID string `json:"request_id"`
}

// ActivityUserJSON is who wrote an entry.
type ActivityUserJSON struct {
	ContactID string `json:"contact_id" example:"12x7"`
	Email     string `json:"email"`
	Name      string `json:"name"`
}

func activityJSON(list []domain.Activity, me domain.Customer) []ActivityJSON {
	out := make([]ActivityJSON, 0, len(list))
	for _, a := range list {
		changes := a.Changes
		if changes == nil {
			changes = []domain.FieldChange{}
		}
		j := ActivityJSON{ID: a.ID, CreatedAt: a.CreatedAt, Module: a.Module, Action: a.Action, RecordID: a.RecordID,
			Method: a.Method, Route: a.Route, Changes: changes, RequestID: a.RequestID,
			User: ActivityUserJSON{ContactID: a.ContactID, Email: a.Email, Name: a.Name}}
		if a.UserID == me.UserID {
			j.IP = a.ClientIP
		}
		out = append(out, j)
	}
	return out
}

// activityPage reads page and size like the other lists.
func (s *Server) activityPage(r *http.Request) (page, size int, err error) {
	page, err = queryInt(r, "page", 1, 1, 1<<20)
	if err != nil {
		return 0, 0, err
	}
	maxSize := s.Config.Vtiger.Business.MaxPageSize
	def := s.Config.Vtiger.Business.DefaultPagination
	if def <= 0 || def > maxSize {
		def = min(20, maxSize)
	}
	size, err = queryInt(r, "size", def, 1, maxSize)
	return page, size, err
}

// organisationActivity is the trail of the caller's organisation.
func (s *Server) organisationActivity(w http.ResponseWriter, r *http.Request) {
	page, size, err := s.activityPage(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	record := strings.TrimSpace(r.URL.Query().Get("record"))
	if record != "" && !crmIDRe.MatchString(record) {
		s.writeError(w, r, domain.Invalid("record", "must be a record id such as 17x5"))
		return
	}
	s.writeActivity(w, r, record, page, size)
}

// recordActivityList answers a per-record trail. The record is first
// looked up like its own route does (scope, parent project), so another
// customer's id, a missing one, or a task under a project it does not
// belong to answers 404, and the customer's own record without portal
// writes an empty list; then the organisation's entries for the id.
func (s *Server) recordActivityList(w http.ResponseWriter, r *http.Request, base records.Target) {
	page, size, err := s.activityPage(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id := chi.URLParam(r, "id")
	if !crmIDRe.MatchString(id) {
		s.writeError(w, r, domain.NotFound("record"))
		return
	}
	if err := s.activityRecordVisible(r, base); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeActivity(w, r, id, page, size)
}

// writeActivity answers one page of the customer's organisation's trail,
// of one record when record is set.
func (s *Server) writeActivity(w http.ResponseWriter, r *http.Request, record string, page, size int) {
	c := customer(r)
	list, count, err := s.Activity.ForCustomer(r.Context(), c, record, page, size)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ListEnvelope{Data: activityJSON(list, c), Count: count, Page: page, Size: size})
}

// crmIDRe is the shape of a Vtiger webservice id ("17x5").
var crmIDRe = regexp.MustCompile(`^[0-9]{1,10}x[0-9]{1,19}$`)

// activityRecordVisible asks the CRM whether the caller may see the record
// of the route (nil) or not (ENOTFOUND, like the record's own route).
func (s *Server) activityRecordVisible(r *http.Request, base records.Target) error {
	if s.CRM.Records == nil {
		return domain.NotFound("record")
	}
	t, err := s.target(r, base)
	if err != nil {
		return err
	}
	_, err = s.CRM.Records.Get(r.Context(), customer(r), t)
	return err
}
