package http

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	crmsvc "github.com/portalcrm/vtiger-portal/internal/service/crm"
)

// CRMService is what the CRM data routes need (the module engine).
type CRMService interface {
	List(ctx context.Context, c domain.Customer, t crmsvc.Target, p crmsvc.ListParams) (crmsvc.ListResult, error)
	Get(ctx context.Context, c domain.Customer, t crmsvc.Target) (crmsvc.Record, error)
	Create(ctx context.Context, c domain.Customer, t crmsvc.Target, input map[string]any) (crmsvc.Record, error)
	Update(ctx context.Context, c domain.Customer, t crmsvc.Target, input map[string]any) (crmsvc.Record, error)
	ModuleForID(ctx context.Context, id string) (string, error)

	CreateTicket(ctx context.Context, c domain.Customer, in crmsvc.TicketInput) (crmsvc.Record, error)
	UpdateTicket(ctx context.Context, c domain.Customer, id string, in crmsvc.TicketInput) (crmsvc.Record, error)
	SetTicketStatus(ctx context.Context, c domain.Customer, id, status string) (crmsvc.Record, error)

	Comments(ctx context.Context, c domain.Customer, t crmsvc.Target) ([]crmsvc.Record, error)
	AddComment(ctx context.Context, c domain.Customer, t crmsvc.Target, content string) (crmsvc.Record, error)
	Documents(ctx context.Context, c domain.Customer, t crmsvc.Target) ([]crmsvc.Record, error)
	UploadDocument(ctx context.Context, c domain.Customer, t crmsvc.Target, up crmsvc.Upload) (crmsvc.Record, error)
	File(ctx context.Context, c domain.Customer, t crmsvc.Target, attachmentID string) (*crmsvc.File, error)

	MyDocuments(ctx context.Context, c domain.Customer) ([]crmsvc.Record, error)
	UploadMyDocument(ctx context.Context, c domain.Customer, up crmsvc.Upload) (crmsvc.Record, error)
	MyFile(ctx context.Context, c domain.Customer, crmid, attachmentID string) (*crmsvc.File, error)
	DeleteMyDocument(ctx context.Context, c domain.Customer, crmid, docID string) error

	StarredFAQs(ctx context.Context, c domain.Customer) ([]crmsvc.Record, error)
	Statistics(ctx context.Context, c domain.Customer) (crmsvc.Statistics, error)
	StatisticsTasks(ctx context.Context, c domain.Customer) ([]crmsvc.Record, error)
	Search(ctx context.Context, c domain.Customer, term string) ([]crmsvc.SearchItem, error)
	CreateLead(ctx context.Context, c domain.Customer, in crmsvc.LeadInput) (crmsvc.Record, error)
	Company(ctx context.Context) (crmsvc.Record, error)
	Manager(ctx context.Context, id string) (crmsvc.Record, error)
	Describe(ctx context.Context, name string) (*crmsvc.Describe, error)
}

var _ CRMService = (*crmsvc.Service)(nil)

// crmRoute is one built-in module's URL prefix and what hangs under it.
type crmRoute struct {
	path      string
	module    string
	documents bool // documents list, upload and file download
	comments  bool
}

// crmRoutes are the read routes of the built-in modules; tickets, projects
// and their tasks get their write routes in mountCRM.
var crmRoutes = []crmRoute{
	{"/tickets", "HelpDesk", true, true},
	{"/projects", "Project", true, true},
	{"/invoices", "Invoice", false, false},
	{"/sales-orders", "SalesOrder", false, false},
	{"/quotes", "Quotes", false, false},
	{"/service-contracts", "ServiceContracts", true, false},
	{"/products", "Products", false, false},
	{"/services", "Services", false, false},
	{"/faqs", "Faq", false, false},
}

// mountCRM registers tickets, projects, invoices… Every route needs a
// logged-in customer, /company included: the frontend loads it only inside
// the app, and the requisites are not meant for anonymous scraping.
func (s *Server) mountCRM(r chi.Router) {
	r.Group(func(r chi.Router) {
		if s.CRM == nil {
			for _, p := range []string{"/tickets", "/projects", "/tasks", "/invoices", "/sales-orders", "/quotes",
				"/service-contracts", "/products", "/services", "/faqs", "/custom-modules", "/company", "/managers",
				"/modules", "/statistics", "/search", "/leads"} {
				r.HandleFunc(p, s.unavailable)
				r.HandleFunc(p+"/*", s.unavailable)
			}
			return
		}
		r.Use(s.requireAuth)
		r.Get("/faqs/starred", s.starredFAQs)
		for _, rt := range crmRoutes {
			t := crmsvc.Target{Module: rt.module}
			r.Get(rt.path, s.crmList(t))
			r.Get(rt.path+"/{id}", s.crmGet(t))
			if rt.comments {
				r.Get(rt.path+"/{id}/comments", s.crmComments(t))
			}
			if rt.documents {
				r.Get(rt.path+"/{id}/documents", s.crmDocuments(t))
				r.Post(rt.path+"/{id}/documents", s.crmUpload(t))
				r.Get(rt.path+"/{id}/file/{att}", s.crmFile(t))
			}
		}
		// Tickets.
		r.Post("/tickets", s.createTicket)
		r.Put("/tickets/{id}", s.updateTicket)
		r.Patch("/tickets/{id}", s.patchTicket)
		r.Post("/tickets/{id}/comments", s.crmAddComment(crmsvc.Target{Module: "HelpDesk"}, false))
		// Projects and tasks.
		r.Post("/projects/{id}/comments", s.crmAddComment(crmsvc.Target{Module: "Project"}, true))
		task := crmsvc.Target{Module: "ProjectTask"}
		r.Get("/projects/{pid}/tasks", s.crmList(task))
		r.Post("/projects/{pid}/tasks", s.crmCreate(task))
		r.Get("/projects/{pid}/tasks/{id}", s.crmGet(task))
		r.Patch("/projects/{pid}/tasks/{id}", s.crmUpdate(task))
		r.Patch("/projects/{pid}/tickets/{id}", s.crmUpdate(task)) // alias, contract decision 3
		r.Get("/projects/{pid}/tasks/{id}/comments", s.crmComments(task))
		r.Post("/projects/{pid}/tasks/{id}/comments", s.crmAddComment(task, true))
		r.Get("/projects/{pid}/tasks/{id}/documents", s.crmDocuments(task))
		r.Post("/projects/{pid}/tasks/{id}/documents", s.crmUpload(task))
		r.Get("/projects/{pid}/tasks/{id}/file/{att}", s.crmFile(task))
		r.Get("/tasks/{id}/file/{att}", s.crmFile(task)) // alias, contract decision 3
		// Custom modules.
		cm := crmsvc.Target{Custom: true}
		r.Get("/custom-modules/{module}", s.crmList(cm))
		r.Post("/custom-modules/{module}", s.crmCreate(cm))
		r.Get("/custom-modules/{module}/{id}", s.crmGet(cm))
		r.Patch("/custom-modules/{module}/{id}", s.crmUpdate(cm))
		r.Put("/custom-modules/{module}/{id}", s.crmUpdate(cm))
		r.Get("/custom-modules/{module}/{id}/comments", s.crmComments(cm))
		r.Post("/custom-modules/{module}/{id}/comments", s.crmAddComment(cm, false))
		r.Post("/custom-modules/undefined/{id}/comments", s.crmAddComment(cm, false)) // alias, module from the id
		r.Get("/custom-modules/{module}/{id}/documents", s.crmDocuments(cm))
		r.Post("/custom-modules/{module}/{id}/documents", s.crmUpload(cm))
		r.Get("/custom-modules/{module}/{id}/file/{att}", s.crmFile(cm))
		r.Get("/{module}/{id}/file/{att}", s.crmFile(cm)) // alias, contract decision 3
		// Shared data.
		r.Get("/company", s.company)
		r.Get("/managers/{id}", s.manager)
		r.Get("/modules/{name}", s.describeModule)
		r.Get("/statistics", s.statistics)
		r.Get("/statistics/tasks", s.statisticsTasks)
		r.Get("/search", s.search)
		n := s.Config.Limiter.AuthPerMinute
		if n <= 0 {
			n = 10
		}
		r.With(newLimiter(n, time.Minute, keyByIP)).Post("/leads", s.createLead)
		// The customer's own documents (contract rows 11–13).
		r.Get("/users/my/documents", s.myDocuments)
		r.Post("/users/my/documents", s.uploadMyDocument)
		r.Get("/users/{crmid}/file/{att}", s.myFile)
		r.Delete("/users/{crmid}/documents/{doc}", s.deleteMyDocument)
	})
}

// target fills a route's ids from the URL.
//
// It also serves POST /custom-modules/undefined/{id}/comments, where the
// frontend lost the module name: the id's prefix names it. That alias is
// documented here because crmAddComment's other routes carry a {module}
// parameter this path does not have.
//
//	@Summary		Comment on a custom-module record (alias without the module name)
//	@Description	Alias (contract decision 3): the frontend posts to /custom-modules/undefined/{id}/comments;
//	@Description	the module is found from the id's prefix. Same as POST /custom-modules/{module}/{id}/comments.
//	@Tags			custom-modules
//	@Security		Bearer
//	@Accept			json
//	@Produce		json
//	@Param			id		path		string			true	"record id (webservice id)"	example(17x123)
//	@Param			body	body		commentInput	true	"the comment"
//	@Success		201		{object}	object			"the new comment (bare)"
//	@Failure		400		{object}	ErrorBody		"malformed JSON"
//	@Failure		401		{object}	ErrorBody		"missing or invalid token"
//	@Failure		403		{object}	ErrorBody		"OTP Required"
//	@Failure		404		{object}	ErrorBody		"unknown id prefix or record not visible to the customer"
//	@Failure		422		{object}	ErrorBody
//	@Failure		502		{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody	"CRM unavailable"
//	@Failure		504		{object}	ErrorBody	"CRM timed out"
//	@Router			/custom-modules/undefined/{id}/comments [post]
func (s *Server) target(r *http.Request, t crmsvc.Target) (crmsvc.Target, error) {
	t.ID = chi.URLParam(r, "id")
	t.ParentID = chi.URLParam(r, "pid")
	if t.Custom {
		t.Module = chi.URLParam(r, "module")
		if t.Module == "" {
			// /custom-modules/undefined/{id}/comments: the frontend lost the
			// module name; the id's prefix names it.
			m, err := s.CRM.ModuleForID(r.Context(), t.ID)
			if err != nil {
				return t, err
			}
			t.Module = m
		}
	}
	return t, nil
}

// listParams parses page, size, sort, search and the simple filters.
func listParams(r *http.Request, module string) (crmsvc.ListParams, error) {
	q := r.URL.Query()
	var p crmsvc.ListParams
	var err error
	if v := q.Get("page"); v != "" {
		if p.Page, err = strconv.Atoi(v); err != nil || p.Page < 1 {
			return p, domain.Invalid("page", "Invalid page number")
		}
	}
	if v := q.Get("size"); v != "" {
		if p.Size, err = strconv.Atoi(v); err != nil || p.Size < 1 {
			return p, domain.Invalid("size", "Invalid page size")
		}
	}
	p.Sort = q.Get("sort")
	p.Search = q.Get("search")
	switch module {
	case "HelpDesk":
		status := q.Get("ticketstatus")
		if status == "" {
			status = q.Get("status")
		}
		if status != "" {
			p.Filters = map[string]string{"ticketstatus": status}
		}
	case "Products", "Services":
		v := q.Get("discontinued")
		if v == "" {
			v = q.Get("filter[discontinued]")
		}
		if v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return p, domain.Invalid("discontinued", "must be true or false")
			}
			// Vtiger's "discontinued" checkbox is labelled "Product Active".
			p.Filters = map[string]string{"discontinued": map[bool]string{true: "1", false: "0"}[b]}
		}
	}
	return p, nil
}

// crmList serves the paged list of every built-in module, of a project's
// tasks and of a custom module; the customer sees only their own records.
//
//	@Summary		List a module's records
//	@Description	Paged list of the customer's records (their contact's and account's only).
//	@Description	/projects/{pid}/tasks lists one project's tasks; /custom-modules/{module} a configured custom module (e.g. Assets).
//	@Description	Any field describe knows and that is not deny-listed may be sorted on; anything else is 422.
//	@Tags			tickets,projects,tasks,invoices,sales-orders,quotes,service-contracts,products,services,faqs,custom-modules
//	@Security		Bearer
//	@Produce		json
//	@Param			pid						path		string	true	"project id (task routes only)"						example(33x1)
//	@Param			module					path		string	true	"custom module name (custom-module routes only)"	example(Assets)
//	@Param			page					query		int		false	"1-based page"										default(1)
//	@Param			size					query		int		false	"page size"
//	@Param			search					query		string	false	"free text"
//	@Param			sort					query		string	false	"field, leading - for descending"	example(-ticket_no)
//	@Param			ticketstatus			query		string	false	"tickets only: status filter"		example(Open)
//	@Param			status					query		string	false	"tickets only: alias of ticketstatus"
//	@Param			discontinued			query		bool	false	"products and services only: filter on the active flag"
//	@Param			filter[discontinued]	query		bool	false	"products and services only: alias of discontinued"
//	@Success		200						{object}	ListEnvelope{data=[]object}
//	@Failure		401						{object}	ErrorBody	"missing or invalid token"
//	@Failure		403						{object}	ErrorBody	"OTP Required"
//	@Failure		404						{object}	ErrorBody	"unknown custom module, or project not visible to the customer"
//	@Failure		422						{object}	ErrorBody	"bad page, size, sort or filter"
//	@Failure		502						{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503						{object}	ErrorBody	"CRM unavailable"
//	@Failure		504						{object}	ErrorBody	"CRM timed out"
//	@Router			/tickets [get]
//	@Router			/projects [get]
//	@Router			/invoices [get]
//	@Router			/sales-orders [get]
//	@Router			/quotes [get]
//	@Router			/service-contracts [get]
//	@Router			/products [get]
//	@Router			/services [get]
//	@Router			/faqs [get]
//	@Router			/projects/{pid}/tasks [get]
//	@Router			/custom-modules/{module} [get]
func (s *Server) crmList(base crmsvc.Target) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t, err := s.target(r, base)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		p, err := listParams(r, t.Module)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		res, err := s.CRM.List(r.Context(), customer(r), t, p)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, ListEnvelope{Data: res.Data, Count: res.Count, Page: res.Page, Size: res.Size})
	}
}

// crmGet returns one record of the module, if the customer may see it.
//
//	@Summary		Get one record
//	@Description	One record of the module. Out-of-scope records answer 404, never 403.
//	@Description	Projects always carry their statistics object, invoices and sales orders their currency object.
//	@Tags			tickets,projects,tasks,invoices,sales-orders,quotes,service-contracts,products,services,faqs,custom-modules
//	@Security		Bearer
//	@Produce		json
//	@Param			id		path		string	true	"record id (webservice id)"							example(17x123)
//	@Param			pid		path		string	true	"project id (task routes only)"						example(33x1)
//	@Param			module	path		string	true	"custom module name (custom-module routes only)"	example(Assets)
//	@Success		200		{object}	dataEnvelope{data=object}
//	@Failure		401		{object}	ErrorBody	"missing or invalid token"
//	@Failure		403		{object}	ErrorBody	"OTP Required"
//	@Failure		404		{object}	ErrorBody	"no such record, or not the customer's"
//	@Failure		422		{object}	ErrorBody	"malformed id"
//	@Failure		502		{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody	"CRM unavailable"
//	@Failure		504		{object}	ErrorBody	"CRM timed out"
//	@Router			/tickets/{id} [get]
//	@Router			/projects/{id} [get]
//	@Router			/invoices/{id} [get]
//	@Router			/sales-orders/{id} [get]
//	@Router			/quotes/{id} [get]
//	@Router			/service-contracts/{id} [get]
//	@Router			/products/{id} [get]
//	@Router			/services/{id} [get]
//	@Router			/faqs/{id} [get]
//	@Router			/projects/{pid}/tasks/{id} [get]
//	@Router			/custom-modules/{module}/{id} [get]
func (s *Server) crmGet(base crmsvc.Target) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t, err := s.target(r, base)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		rec, err := s.CRM.Get(r.Context(), customer(r), t)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeData(w, http.StatusOK, rec)
	}
}

// crmCreate adds a project task or a custom-module record, linked to the
// customer (and the project).
//
//	@Summary		Create a project task or custom-module record
//	@Description	Only the module's editable fields are accepted; dates as YYYY-MM-DD, booleans and numbers as JSON types, picklists as their value.
//	@Tags			tasks,custom-modules
//	@Security		Bearer
//	@Accept			json
//	@Produce		json
//	@Param			pid		path		string		true	"project id (task routes only)"						example(33x1)
//	@Param			module	path		string		true	"custom module name (custom-module routes only)"	example(Assets)
//	@Param			body	body		object		true	"the module's editable fields"
//	@Success		201		{object}	object		"the new record (bare)"
//	@Failure		400		{object}	ErrorBody	"malformed JSON"
//	@Failure		401		{object}	ErrorBody	"missing or invalid token"
//	@Failure		403		{object}	ErrorBody	"OTP Required"
//	@Failure		404		{object}	ErrorBody	"unknown module, or project not visible to the customer"
//	@Failure		422		{object}	ErrorBody
//	@Failure		502		{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody	"CRM unavailable"
//	@Failure		504		{object}	ErrorBody	"CRM timed out"
//	@Router			/projects/{pid}/tasks [post]
//	@Router			/custom-modules/{module} [post]
func (s *Server) crmCreate(base crmsvc.Target) http.HandlerFunc {
	return s.crmWrite(base, s.CRM.Create, http.StatusCreated)
}

// crmUpdate changes a project task or a custom-module record.
//
//	@Summary		Update a project task or custom-module record
//	@Description	PATCH /projects/{pid}/tickets/{id} is an alias of PATCH /projects/{pid}/tasks/{id} (contract decision 3: the frontend writes "tickets" for tasks).
//	@Description	PUT /custom-modules/{module}/{id} is the same as PATCH.
//	@Tags			tasks,custom-modules
//	@Security		Bearer
//	@Accept			json
//	@Produce		json
//	@Param			id		path		string		true	"record id (webservice id)"							example(17x123)
//	@Param			pid		path		string		true	"project id (task routes only)"						example(33x1)
//	@Param			module	path		string		true	"custom module name (custom-module routes only)"	example(Assets)
//	@Param			body	body		object		true	"fields to change, e.g. projecttaskstatus"
//	@Success		202		{object}	object		"the updated record (bare)"
//	@Failure		400		{object}	ErrorBody	"malformed JSON"
//	@Failure		401		{object}	ErrorBody	"missing or invalid token"
//	@Failure		403		{object}	ErrorBody	"OTP Required"
//	@Failure		404		{object}	ErrorBody	"no such record, or not the customer's"
//	@Failure		422		{object}	ErrorBody
//	@Failure		502		{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody	"CRM unavailable"
//	@Failure		504		{object}	ErrorBody	"CRM timed out"
//	@Router			/projects/{pid}/tasks/{id} [patch]
//	@Router			/projects/{pid}/tickets/{id} [patch]
//	@Router			/custom-modules/{module}/{id} [patch]
//	@Router			/custom-modules/{module}/{id} [put]
func (s *Server) crmUpdate(base crmsvc.Target) http.HandlerFunc {
	return s.crmWrite(base, s.CRM.Update, http.StatusAccepted)
}

// crmWrite is the body of crmCreate and crmUpdate, which differ only in the
// service call and the status; they stay separate for their route docs.
func (s *Server) crmWrite(base crmsvc.Target,
	write func(context.Context, domain.Customer, crmsvc.Target, map[string]any) (crmsvc.Record, error),
	status int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t, err := s.target(r, base)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		var in map[string]any
		if err := readJSON(r, &in); err != nil {
			s.writeError(w, r, err)
			return
		}
		rec, err := write(r.Context(), customer(r), t, in)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, status, rec)
	}
}

// crmComments lists a record's comment thread.
//
//	@Summary		List a record's comments
//	@Description	List, data only: count is the number of comments.
//	@Tags			tickets,projects,tasks,custom-modules
//	@Security		Bearer
//	@Produce		json
//	@Param			id		path		string	true	"record id (webservice id)"							example(17x123)
//	@Param			pid		path		string	true	"project id (task routes only)"						example(33x1)
//	@Param			module	path		string	true	"custom module name (custom-module routes only)"	example(Assets)
//	@Success		200		{object}	ListEnvelope{data=[]object}
//	@Failure		401		{object}	ErrorBody	"missing or invalid token"
//	@Failure		403		{object}	ErrorBody	"OTP Required"
//	@Failure		404		{object}	ErrorBody	"no such record, or not the customer's"
//	@Failure		502		{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody	"CRM unavailable"
//	@Failure		504		{object}	ErrorBody	"CRM timed out"
//	@Router			/tickets/{id}/comments [get]
//	@Router			/projects/{id}/comments [get]
//	@Router			/projects/{pid}/tasks/{id}/comments [get]
//	@Router			/custom-modules/{module}/{id}/comments [get]
func (s *Server) crmComments(base crmsvc.Target) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t, err := s.target(r, base)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		recs, err := s.CRM.Comments(r.Context(), customer(r), t)
		writeRelated(s, w, r, recs, err)
	}
}

// commentInput is the body of a new comment.
type commentInput struct {
	CommentContent string `json:"commentcontent"`
}

// crmAddComment answers 201 with the bare comment, or wrapped in {data}
// for projects and tasks, as the earlier backend did.
//
//	@Summary		Comment on a record
//	@Description	Answers the bare comment for tickets and custom modules, {"data": comment} for projects and tasks.
//	@Description	The alias POST /custom-modules/undefined/{id}/comments is documented on its own.
//	@Tags			tickets,projects,tasks,custom-modules
//	@Security		Bearer
//	@Accept			json
//	@Produce		json
//	@Param			id		path		string			true	"record id (webservice id)"							example(17x123)
//	@Param			pid		path		string			true	"project id (task routes only)"						example(33x1)
//	@Param			module	path		string			true	"custom module name (custom-module routes only)"	example(Assets)
//	@Param			body	body		commentInput	true	"the comment"
//	@Success		201		{object}	object			"the new comment: bare, or {data: comment} for projects and tasks"
//	@Failure		400		{object}	ErrorBody		"malformed JSON"
//	@Failure		401		{object}	ErrorBody		"missing or invalid token"
//	@Failure		403		{object}	ErrorBody		"OTP Required"
//	@Failure		404		{object}	ErrorBody		"no such record, or not the customer's"
//	@Failure		422		{object}	ErrorBody		"empty comment"
//	@Failure		502		{object}	ErrorBody		"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody		"CRM unavailable"
//	@Failure		504		{object}	ErrorBody		"CRM timed out"
//	@Router			/tickets/{id}/comments [post]
//	@Router			/projects/{id}/comments [post]
//	@Router			/projects/{pid}/tasks/{id}/comments [post]
//	@Router			/custom-modules/{module}/{id}/comments [post]
func (s *Server) crmAddComment(base crmsvc.Target, wrapped bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t, err := s.target(r, base)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		var in commentInput
		if err := readJSON(r, &in); err != nil {
			s.writeError(w, r, err)
			return
		}
		rec, err := s.CRM.AddComment(r.Context(), customer(r), t, in.CommentContent)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if wrapped {
			writeData(w, http.StatusCreated, rec)
			return
		}
		writeJSON(w, http.StatusCreated, rec)
	}
}

// crmDocuments lists the documents attached to a record.
//
//	@Summary		List a record's documents
//	@Description	List, data only. A document's imageattachmentids is the attachment id of the file routes.
//	@Tags			tickets,projects,tasks,service-contracts,custom-modules,documents
//	@Security		Bearer
//	@Produce		json
//	@Param			id		path		string	true	"record id (webservice id)"							example(17x123)
//	@Param			pid		path		string	true	"project id (task routes only)"						example(33x1)
//	@Param			module	path		string	true	"custom module name (custom-module routes only)"	example(Assets)
//	@Success		200		{object}	ListEnvelope{data=[]object}
//	@Failure		401		{object}	ErrorBody	"missing or invalid token"
//	@Failure		403		{object}	ErrorBody	"OTP Required"
//	@Failure		404		{object}	ErrorBody	"no such record, or not the customer's"
//	@Failure		502		{object}	ErrorBody	"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody	"CRM unavailable"
//	@Failure		504		{object}	ErrorBody	"CRM timed out"
//	@Router			/tickets/{id}/documents [get]
//	@Router			/projects/{id}/documents [get]
//	@Router			/service-contracts/{id}/documents [get]
//	@Router			/projects/{pid}/tasks/{id}/documents [get]
//	@Router			/custom-modules/{module}/{id}/documents [get]
func (s *Server) crmDocuments(base crmsvc.Target) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t, err := s.target(r, base)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		recs, err := s.CRM.Documents(r.Context(), customer(r), t)
		writeRelated(s, w, r, recs, err)
	}
}

// crmUpload attaches an uploaded file to a record as a new document.
//
//	@Summary		Upload a document to a record
//	@Description	The content type is sniffed from the bytes; the browser's claim is not trusted. Bodies above http.maxUploadBytes answer 413.
//	@Tags			tickets,projects,tasks,service-contracts,custom-modules,documents
//	@Security		Bearer
//	@Accept			multipart/form-data
//	@Produce		json
//	@Param			id		path		string						true	"record id (webservice id)"							example(17x123)
//	@Param			pid		path		string						true	"project id (task routes only)"						example(33x1)
//	@Param			module	path		string						true	"custom module name (custom-module routes only)"	example(Assets)
//	@Param			file	formData	file						true	"the file"
//	@Success		201		{object}	dataEnvelope{data=object}	"the new document"
//	@Failure		400		{object}	ErrorBody					"malformed multipart body"
//	@Failure		401		{object}	ErrorBody					"missing or invalid token"
//	@Failure		403		{object}	ErrorBody					"OTP Required"
//	@Failure		404		{object}	ErrorBody					"no such record, or not the customer's"
//	@Failure		413		{object}	ErrorBody					"file too large"
//	@Failure		422		{object}	ErrorBody					"no multipart field file, or an empty file"
//	@Failure		502		{object}	ErrorBody					"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody					"CRM unavailable"
//	@Failure		504		{object}	ErrorBody					"CRM timed out"
//	@Router			/tickets/{id}/documents [post]
//	@Router			/projects/{id}/documents [post]
//	@Router			/service-contracts/{id}/documents [post]
//	@Router			/projects/{pid}/tasks/{id}/documents [post]
//	@Router			/custom-modules/{module}/{id}/documents [post]
func (s *Server) crmUpload(base crmsvc.Target) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t, err := s.target(r, base)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		up, err := s.readUpload(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		rec, err := s.CRM.UploadDocument(r.Context(), customer(r), t, up)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeData(w, http.StatusCreated, rec)
	}
}

// crmFile downloads an attachment of one of the record's documents.
//
//	@Summary		Download a record's attachment
//	@Description	{"data": DocumentContent} with the content base64-encoded, or with raw=1 the bytes as an attachment.
//	@Description	Aliases (contract decision 3): GET /tasks/{id}/file/{att} (task file without the project prefix)
//	@Description	and GET /{module}/{id}/file/{att} (custom-module file without the custom-modules prefix).
//	@Tags			tickets,projects,tasks,service-contracts,custom-modules,documents
//	@Security		Bearer
//	@Produce		json,octet-stream
//	@Param			id		path		string							true	"record id (webservice id)"							example(17x123)
//	@Param			pid		path		string							true	"project id (task routes only)"						example(33x1)
//	@Param			module	path		string							true	"custom module name (custom-module routes only)"	example(Assets)
//	@Param			att		path		string							true	"attachment id (the document's imageattachmentids)"	example(15x44)
//	@Param			raw		query		bool							false	"true: send the bytes instead of JSON"
//	@Success		200		{object}	dataEnvelope{data=crmsvc.File}	"the file (or its bytes with raw=1)"
//	@Failure		401		{object}	ErrorBody						"missing or invalid token"
//	@Failure		403		{object}	ErrorBody						"OTP Required"
//	@Failure		404		{object}	ErrorBody						"no such record or attachment, or not the customer's"
//	@Failure		502		{object}	ErrorBody						"CRM unreachable or failed"
//	@Failure		503		{object}	ErrorBody						"CRM unavailable"
//	@Failure		504		{object}	ErrorBody						"CRM timed out"
//	@Router			/tickets/{id}/file/{att} [get]
//	@Router			/projects/{id}/file/{att} [get]
//	@Router			/service-contracts/{id}/file/{att} [get]
//	@Router			/projects/{pid}/tasks/{id}/file/{att} [get]
//	@Router			/tasks/{id}/file/{att} [get]
//	@Router			/custom-modules/{module}/{id}/file/{att} [get]
//	@Router			/{module}/{id}/file/{att} [get]
func (s *Server) crmFile(base crmsvc.Target) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t, err := s.target(r, base)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		f, err := s.CRM.File(r.Context(), customer(r), t, chi.URLParam(r, "att"))
		s.writeFile(w, r, f, err)
	}
}

// writeRelated writes a "data only" list (comments, documents, tasks…).
func writeRelated[T any](s *Server, w http.ResponseWriter, r *http.Request, recs []T, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if recs == nil {
		recs = []T{}
	}
	writeJSON(w, http.StatusOK, ListEnvelope{Data: recs, Count: len(recs), Page: 1, Size: max(len(recs), 100)})
}
