package http

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/records"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
)

// CRM is the module engine as the CRM routes use it: one small interface
// per area. app fills every field with the same *records.Engine; Records
// nil means "no CRM" (the routes answer 503).
type CRM struct {
	Records     RecordService
	Tickets     TicketService
	Related     RelatedService
	MyDocuments MyDocumentService
	Insights    InsightService
	Reference   ReferenceService
	Export      ExportService // CSV export of the lists; nil = 503 for ?format=csv
	Quotes      QuoteService
}

// RecordService lists, reads and writes the records of a module.
type RecordService interface {
	List(ctx context.Context, c domain.Customer, t records.Target, p records.ListParams) (records.ListResult, error)
	Get(ctx context.Context, c domain.Customer, t records.Target) (vtiger.Record, error)
	Create(ctx context.Context, c domain.Customer, t records.Target, input map[string]any) (vtiger.Record, error)
	Update(ctx context.Context, c domain.Customer, t records.Target, input map[string]any) (vtiger.Record, error)
	ModuleForID(ctx context.Context, id string) (string, error)
}

// TicketService opens and edits tickets.
type TicketService interface {
	CreateTicket(ctx context.Context, c domain.Customer, in records.TicketInput) (vtiger.Record, error)
	UpdateTicket(ctx context.Context, c domain.Customer, id string, in records.TicketInput) (vtiger.Record, error)
	SetTicketStatus(ctx context.Context, c domain.Customer, id, status string) (vtiger.Record, error)
}

// RelatedService serves the comments, documents and files of a record.
type RelatedService interface {
	Comments(ctx context.Context, c domain.Customer, t records.Target, p records.ListParams) (records.ListResult, error)
	AddComment(ctx context.Context, c domain.Customer, t records.Target, content string) (vtiger.Record, error)
	Documents(ctx context.Context, c domain.Customer, t records.Target, p records.ListParams) (records.ListResult, error)
	UploadDocument(ctx context.Context, c domain.Customer, t records.Target, up records.Upload) (vtiger.Record, error)
	File(ctx context.Context, c domain.Customer, t records.Target, attachmentID string) (*records.File, error)
}

// MyDocumentService serves the documents of the customer's own contact.
type MyDocumentService interface {
	MyDocuments(ctx context.Context, c domain.Customer) ([]vtiger.Record, error)
	UploadMyDocument(ctx context.Context, c domain.Customer, up records.Upload) (vtiger.Record, error)
	MyFile(ctx context.Context, c domain.Customer, crmid, attachmentID string) (*records.File, error)
	DeleteMyDocument(ctx context.Context, c domain.Customer, crmid, docID string) error
}

// InsightService computes the dashboard and the global search.
type InsightService interface {
	StarredFAQs(ctx context.Context, c domain.Customer) ([]vtiger.Record, error)
	Statistics(ctx context.Context, c domain.Customer) (records.Statistics, error)
	StatisticsTasks(ctx context.Context, c domain.Customer) ([]vtiger.Record, error)
	Search(ctx context.Context, c domain.Customer, term string) ([]records.SearchItem, error)
}

// ReferenceService serves the company card, managers, module describes
// and referrals.
type ReferenceService interface {
	CreateLead(ctx context.Context, c domain.Customer, in records.LeadInput) (vtiger.Record, error)
	Company(ctx context.Context) (vtiger.Record, error)
	Manager(ctx context.Context, id string) (vtiger.Record, error)
	Describe(ctx context.Context, name string) (*vtiger.Module, error)
}

var (
	_ RecordService     = (*records.Engine)(nil)
	_ TicketService     = (*records.Engine)(nil)
	_ RelatedService    = (*records.Engine)(nil)
	_ MyDocumentService = (*records.Engine)(nil)
	_ InsightService    = (*records.Engine)(nil)
	_ ReferenceService  = (*records.Engine)(nil)
)

// EngineCRM gives every CRM area the one engine.
func EngineCRM(e *records.Engine) CRM {
	return CRM{Records: e, Tickets: e, Related: e, MyDocuments: e, Insights: e, Reference: e, Export: e, Quotes: e}
}

// The Vtiger module behind each area; target adds the ids from the URL.
var (
	ticketTarget          = records.Target{Module: records.Tickets}
	projectTarget         = records.Target{Module: records.Projects}
	taskTarget            = records.Target{Module: records.Tasks}
	invoiceTarget         = records.Target{Module: records.Invoices}
	salesOrderTarget      = records.Target{Module: records.SalesOrders}
	quoteTarget           = records.Target{Module: records.Quotes}
	serviceContractTarget = records.Target{Module: records.ServiceContracts}
	productTarget         = records.Target{Module: records.Products}
	serviceTarget         = records.Target{Module: records.Services}
	faqTarget             = records.Target{Module: records.FAQs}
	customTarget          = records.Target{Custom: true} // module from the URL or the id
)

// mountCRM registers tickets, projects, invoices… Every route needs a
// logged-in customer, /company included: the frontend loads it only inside
// the app, and the requisites are not meant for anonymous scraping.
//
// Each route has its own handler method although most of them share one
// implementation (crmList, crmGet…): swag applies a comment block's tags and
// parameters to every route of the block, so one block per area is what
// keeps each area's Swagger tag and Insomnia folder to its own routes.
func (s *Server) mountCRM(r chi.Router) {
	r.Group(func(r chi.Router) {
		if s.CRM.Records == nil {
			for _, p := range []string{"/tickets", "/projects", "/tasks", "/invoices", "/sales-orders", "/quotes",
				"/service-contracts", "/products", "/services", "/faqs", "/custom-modules", "/company", "/managers",
				"/modules", "/statistics", "/search", "/leads"} {
				r.HandleFunc(p, s.unavailable)
				r.HandleFunc(p+"/*", s.unavailable)
			}
			return
		}
		r.Use(s.requireAuth)
		// Tickets.
		r.Get("/tickets", s.handle(s.listTickets))
		r.Post("/tickets", s.handle(withBody(s.createTicket)))
		r.Get("/tickets/{id}", s.handle(s.getTicket))
		r.Put("/tickets/{id}", s.handle(withBody(s.updateTicket)))
		r.Patch("/tickets/{id}", s.handle(withBody(s.patchTicket)))
		r.Get("/tickets/{id}/comments", s.handle(s.listTicketComments))
		r.Post("/tickets/{id}/comments", s.handle(s.addTicketComment))
		r.Get("/tickets/{id}/documents", s.handle(s.listTicketDocuments))
		r.Post("/tickets/{id}/documents", s.handle(s.uploadTicketDocument))
		r.Get("/tickets/{id}/file/{att}", s.handle(s.ticketFile))
		// Projects.
		r.Get("/projects", s.handle(s.listProjects))
		r.Get("/projects/{id}", s.handle(s.getProject))
		r.Get("/projects/{id}/comments", s.handle(s.listProjectComments))
		r.Post("/projects/{id}/comments", s.handle(s.addProjectComment))
		r.Get("/projects/{id}/documents", s.handle(s.listProjectDocuments))
		r.Post("/projects/{id}/documents", s.handle(s.uploadProjectDocument))
		r.Get("/projects/{id}/file/{att}", s.handle(s.projectFile))
		// Project tasks.
		r.Get("/projects/{pid}/tasks", s.handle(s.listTasks))
		r.Post("/projects/{pid}/tasks", s.handle(s.createTask))
		r.Get("/projects/{pid}/tasks/{id}", s.handle(s.getTask))
		r.Patch("/projects/{pid}/tasks/{id}", s.handle(s.updateTask))
		r.Patch("/projects/{pid}/tickets/{id}", s.handle(s.updateTaskAlias)) // alias, contract decision 3
		r.Get("/projects/{pid}/tasks/{id}/comments", s.handle(s.listTaskComments))
		r.Post("/projects/{pid}/tasks/{id}/comments", s.handle(s.addTaskComment))
		r.Get("/projects/{pid}/tasks/{id}/documents", s.handle(s.listTaskDocuments))
		r.Post("/projects/{pid}/tasks/{id}/documents", s.handle(s.uploadTaskDocument))
		r.Get("/projects/{pid}/tasks/{id}/file/{att}", s.handle(s.taskFile))
		r.Get("/tasks/{id}/file/{att}", s.handle(s.taskFileAlias)) // alias, contract decision 3
		// Read-only modules.
		r.Get("/invoices", s.handle(s.listInvoices))
		r.Get("/invoices/{id}", s.handle(s.getInvoice))
		r.Get("/sales-orders", s.handle(s.listSalesOrders))
		r.Get("/sales-orders/{id}", s.handle(s.getSalesOrder))
		r.Get("/quotes", s.handle(s.listQuotes))
		r.Get("/quotes/{id}", s.handle(s.getQuote))
		r.Get("/service-contracts", s.handle(s.listServiceContracts))
		r.Get("/service-contracts/{id}", s.handle(s.getServiceContract))
		r.Get("/service-contracts/{id}/documents", s.handle(s.listServiceContractDocuments))
		r.Post("/service-contracts/{id}/documents", s.handle(s.uploadServiceContractDocument))
		r.Get("/service-contracts/{id}/file/{att}", s.handle(s.serviceContractFile))
		r.Get("/products", s.handle(s.listProducts))
		r.Get("/products/{id}", s.handle(s.getProduct))
		r.Get("/services", s.handle(s.listServices))
		r.Get("/services/{id}", s.handle(s.getService))
		r.Get("/faqs", s.handle(s.listFAQs))
		r.Get("/faqs/starred", s.handle(s.starredFAQs))
		r.Get("/faqs/{id}", s.handle(s.getFAQ))
		// Custom modules.
		r.Get("/custom-modules/{module}", s.handle(s.listCustomRecords))
		r.Post("/custom-modules/{module}", s.handle(s.createCustomRecord))
		r.Get("/custom-modules/{module}/{id}", s.handle(s.getCustomRecord))
		r.Patch("/custom-modules/{module}/{id}", s.handle(s.updateCustomRecord))
		r.Put("/custom-modules/{module}/{id}", s.handle(s.updateCustomRecord))
		r.Get("/custom-modules/{module}/{id}/comments", s.handle(s.listCustomRecordComments))
		r.Post("/custom-modules/{module}/{id}/comments", s.handle(s.addCustomRecordComment))
		r.Post("/custom-modules/undefined/{id}/comments", s.handle(s.addCustomRecordCommentAlias)) // alias, module from the id
		r.Get("/custom-modules/{module}/{id}/documents", s.handle(s.listCustomRecordDocuments))
		r.Post("/custom-modules/{module}/{id}/documents", s.handle(s.uploadCustomRecordDocument))
		r.Get("/custom-modules/{module}/{id}/file/{att}", s.handle(s.customRecordFile))
		r.Get("/{module}/{id}/file/{att}", s.handle(s.customRecordFileAlias)) // alias, contract decision 3
		// Shared data.
		r.Get("/company", s.handle(s.company))
		r.Get("/managers/{id}", s.handle(s.manager))
		r.Get("/modules/{name}", s.handle(s.describeModule))
		r.Get("/statistics", s.handle(s.statistics))
		r.Get("/statistics/tasks", s.handle(s.statisticsTasks))
		r.Get("/search", s.handle(s.search))
		r.With(s.limiter("leads", s.Config.Limiter.AuthPerMinute, time.Minute, keyByIP, failLocal)).Post("/leads", s.handle(withBody(s.createLead)))
		// The customer's own documents (contract rows 11–13).
		r.Get("/users/my/documents", s.handle(s.myDocuments))
		r.Post("/users/my/documents", s.handle(s.uploadMyDocument))
		r.Get("/users/{crmid}/file/{att}", s.handle(s.myFile))
		r.Delete("/users/{crmid}/documents/{doc}", s.handle(s.deleteMyDocument))
	})
}

// target fills a route's ids from the URL. A custom module without a
// {module} in the path (POST /custom-modules/undefined/{id}/comments, where
// the frontend lost the module name) is found from the id's prefix.
func (s *Server) target(r *http.Request, t records.Target) (records.Target, error) {
	t.ID = chi.URLParam(r, "id")
	t.ParentID = chi.URLParam(r, "pid")
	if t.Custom {
		t.Module = chi.URLParam(r, "module")
		if t.Module == "" {
			m, err := s.CRM.Records.ModuleForID(r.Context(), t.ID)
			if err != nil {
				return t, err
			}
			t.Module = m
		}
	}
	return t, nil
}

// listRequest is a list route's target and generic list parameters.
func (s *Server) listRequest(r *http.Request, base records.Target) (records.Target, records.ListParams, error) {
	t, err := s.target(r, base)
	if err != nil {
		return t, records.ListParams{}, err
	}
	p, err := listParams(r)
	return t, p, err
}

// listParams parses the generic list query (page, size, sort, search) and
// hands every other parameter (filter[...] and the like) to the engine,
// whose module definitions decide which filters a module reads.
func listParams(r *http.Request) (records.ListParams, error) {
	q := r.URL.Query()
	var p records.ListParams
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
	for k := range q {
		switch k {
		case "page", "size", "sort", "search":
		default:
			if p.Query == nil {
				p.Query = map[string]string{}
			}
			p.Query[k] = q.Get(k)
		}
	}
	return p, nil
}

// The shared implementations behind the per-area handler methods. The
// customer sees and changes only their own records: the module engine
// scopes every call to customer(r).

// crmList serves the paged list of a module, of a project's tasks or of a
// custom module.
func (s *Server) crmList(w http.ResponseWriter, r *http.Request, base records.Target) error {
	w.Header().Add("Vary", "Accept") // JSON or the CSV export
	csv, err := wantsCSV(r)
	if err != nil {
		return err
	}
	if csv {
		return s.crmExport(w, r, base)
	}
	return s.crmPage(w, r, base, s.CRM.Records.List)
}

// crmGet returns one record of the module, if the customer may see it.
func (s *Server) crmGet(w http.ResponseWriter, r *http.Request, base records.Target) error {
	t, err := s.target(r, base)
	if err != nil {
		return err
	}
	rec, err := s.CRM.Records.Get(r.Context(), customer(r), t)
	return replyData(w, http.StatusOK, rec, err)
}

// crmCreate adds a project task or a custom-module record, linked to the
// customer (and the project).
func (s *Server) crmCreate(w http.ResponseWriter, r *http.Request, base records.Target) error {
	return s.crmWrite(w, r, base, s.CRM.Records.Create, http.StatusCreated)
}

// crmUpdate changes a project task or a custom-module record.
func (s *Server) crmUpdate(w http.ResponseWriter, r *http.Request, base records.Target) error {
	return s.crmWrite(w, r, base, s.CRM.Records.Update, http.StatusAccepted)
}

// crmWrite is the body of crmCreate and crmUpdate, which differ only in the
// service call and the status.
func (s *Server) crmWrite(w http.ResponseWriter, r *http.Request, base records.Target,
	write func(context.Context, domain.Customer, records.Target, map[string]any) (vtiger.Record, error),
	status int) error {
	t, err := s.target(r, base)
	if err != nil {
		return err
	}
	in, err := decode[map[string]any](r)
	if err != nil {
		return err
	}
	rec, err := write(r.Context(), customer(r), t, in)
	return reply(w, status, rec, err)
}

// crmComments lists a record's comment thread.
func (s *Server) crmComments(w http.ResponseWriter, r *http.Request, base records.Target) error {
	return s.crmPage(w, r, base, s.CRM.Related.Comments)
}

// commentInput is the body of a new comment.
type commentInput struct {
	CommentContent string `json:"commentcontent"`
}

// crmAddComment answers 201 with the bare comment, or wrapped in {data}
// for projects and tasks, as the earlier backend did.
func (s *Server) crmAddComment(w http.ResponseWriter, r *http.Request, base records.Target, wrapped bool) error {
	t, err := s.target(r, base)
	if err != nil {
		return err
	}
	in, err := decode[commentInput](r)
	if err != nil {
		return err
	}
	rec, err := s.CRM.Related.AddComment(r.Context(), customer(r), t, in.CommentContent)
	if wrapped {
		return replyData(w, http.StatusCreated, rec, err)
	}
	return reply(w, http.StatusCreated, rec, err)
}

// crmDocuments lists the documents attached to a record.
func (s *Server) crmDocuments(w http.ResponseWriter, r *http.Request, base records.Target) error {
	return s.crmPage(w, r, base, s.CRM.Related.Documents)
}

// crmPage serves one page of a list: a module's records, or a record's
// comments or documents. Page, size and sort work alike on all of them;
// without them a sub-list is its newest page (the stock frontend reads
// only data).
func (s *Server) crmPage(w http.ResponseWriter, r *http.Request, base records.Target,
	list func(context.Context, domain.Customer, records.Target, records.ListParams) (records.ListResult, error)) error {
	t, p, err := s.listRequest(r, base)
	if err != nil {
		return err
	}
	res, err := list(r.Context(), customer(r), t, p)
	return reply(w, http.StatusOK, ListEnvelope{Data: res.Data, Count: res.Count, Page: res.Page, Size: res.Size}, err)
}

// crmUpload attaches an uploaded file to a record as a new document.
func (s *Server) crmUpload(w http.ResponseWriter, r *http.Request, base records.Target) error {
	t, err := s.target(r, base)
	if err != nil {
		return err
	}
	up, err := s.readUpload(r)
	if err != nil {
		return err
	}
	rec, err := s.CRM.Related.UploadDocument(r.Context(), customer(r), t, up)
	return replyData(w, http.StatusCreated, rec, err)
}

// crmFile downloads an attachment of one of the record's documents.
func (s *Server) crmFile(w http.ResponseWriter, r *http.Request, base records.Target) error {
	t, err := s.target(r, base)
	if err != nil {
		return err
	}
	f, err := s.CRM.Related.File(r.Context(), customer(r), t, chi.URLParam(r, "att"))
	return replyFile(w, r, f, err)
}

// replyRelated writes a "data only" list (starred FAQs, my documents,
// search hits…) as one page holding all of it.
func replyRelated[T any](w http.ResponseWriter, recs []T, err error) error {
	if recs == nil {
		recs = []T{}
	}
	return reply(w, http.StatusOK, ListEnvelope{Data: recs, Count: len(recs), Page: 1, Size: max(len(recs), 100)}, err)
}
