package records

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
)

// List returns one page of a module's records in the customer's scope.
// ProjectTask lists need t.ParentID (the project is checked first).
func (s *Engine) List(ctx context.Context, c domain.Customer, t Target, p ListParams) (ListResult, error) {
	def, err := s.def(t)
	if err != nil {
		return ListResult{}, err
	}
	if p.Filters, err = def.filters(p.Query); err != nil {
		return ListResult{}, err
	}
	s.st.normalizePage(&p)
	if def.Visibility == VisibilityPublic {
		return s.list(ctx, c, def, t, p)
	}
	// A customer's page, parent check included, is kept for exactly this
	// scope and these parameters (stale-while-revalidate).
	key := cacheKey{kind: kindScopedList, module: def.Name, scope: scopeOf(c), detail: publicKey(p) + "|" + t.ParentID}
	res, err := readAs(ctx, s.cache, key, func(ctx context.Context) (ListResult, error) { return s.list(ctx, c, def, t, p) })
	if err != nil {
		return res, err
	}
	res.Data = cloneRecords(res.Data)
	return res, nil
}

// list is List past the module lookup and page normalisation.
func (s *Engine) list(ctx context.Context, c domain.Customer, def *Module, t Target, p ListParams) (ListResult, error) {
	var err error
	if def.Visibility == VisibilityParent {
		if _, err := s.parentCheck(ctx, c, def, t.ParentID); err != nil {
			return ListResult{}, err
		}
		p.ParentID = t.ParentID
	}
	var res ListResult
	if def.Visibility == VisibilityPublic {
		// The catalogue is the same for everyone: cache whole pages.
		key := cacheKey{kind: kindList, module: def.Name, detail: publicKey(p)}
		res, err = cached(ctx, s, key, func(ctx context.Context) (ListResult, error) {
			res, err := s.st.List(ctx, def, c, p)
			if err == nil {
				s.enrichList(ctx, def, res.Data)
			}
			return res, err
		})
		if err != nil {
			return res, err
		}
		res.Data = cloneRecords(res.Data)
		return res, nil
	}
	res, err = s.st.List(ctx, def, c, p)
	if err != nil {
		return res, err
	}
	s.enrichList(ctx, def, res.Data)
	if def.Name == "Project" {
		if err := s.addProjectStatistics(ctx, c, res.Data); err != nil {
			return res, err
		}
	}
	return res, nil
}

func publicKey(p ListParams) string {
	var b strings.Builder
	b.WriteString(p.Sort)
	b.WriteByte('|')
	b.WriteString(p.Search)
	for _, k := range slices.Sorted(maps.Keys(p.Filters)) {
		b.WriteString("|" + k + "=" + p.Filters[k])
	}
	b.WriteString("|" + itoa(p.Page) + "|" + itoa(p.Size))
	return b.String()
}

func cached[T any](ctx context.Context, s *Engine, key cacheKey, fn func(context.Context) (T, error)) (T, error) {
	v, err := s.cache.Get(ctx, key, s.cfg.Cache.TTL, func(ctx context.Context) (any, error) { return fn(ctx) })
	if err != nil {
		var zero T
		return zero, err
	}
	return v.(T), nil
}

// readRecords is readAs for record lists, each caller getting its own
// copies.
func readRecords(ctx context.Context, c *Cache, key cacheKey, fn func(ctx context.Context) ([]vtiger.Record, error)) ([]vtiger.Record, error) {
	recs, err := readAs(ctx, c, key, fn)
	if err != nil {
		return nil, err
	}
	return cloneRecords(recs), nil
}

// cloneRecords copies cached records shallowly so a handler cannot mutate
// the cache.
func cloneRecords(in []vtiger.Record) []vtiger.Record {
	out := make([]vtiger.Record, len(in))
	for i, r := range in {
		c := make(vtiger.Record, len(r))
		for k, v := range r {
			c[k] = v
		}
		out[i] = c
	}
	return out
}

// parentCheck verifies the parent (project) of a task route is in scope.
func (s *Engine) parentCheck(ctx context.Context, c domain.Customer, def *Module, parentID string) (vtiger.Record, error) {
	pdef, err := s.module(def.Parent)
	if err != nil {
		return nil, err
	}
	if parentID == "" {
		return nil, domain.NotFound("record")
	}
	return s.st.Get(ctx, pdef, c, parentID, "")
}

// Get returns one in-scope record with its enrichments (currency, line
// items, project statistics, sales order invoices).
func (s *Engine) Get(ctx context.Context, c domain.Customer, t Target) (vtiger.Record, error) {
	def, err := s.def(t)
	if err != nil {
		return nil, err
	}
	key := cacheKey{kind: kindRecord, module: def.Name, id: t.ID, scope: scopeOf(c), detail: t.ParentID}
	rec, err := readAs(ctx, s.cache, key, func(ctx context.Context) (vtiger.Record, error) { return s.get(ctx, c, def, t) })
	if err != nil {
		return nil, err
	}
	return cloneRecords([]vtiger.Record{rec})[0], nil
}

// get is Get past the module lookup.
func (s *Engine) get(ctx context.Context, c domain.Customer, def *Module, t Target) (vtiger.Record, error) {
	var projectStats func() (map[string]float64, error)
	if def.Name == "Project" {
		// The task query runs beside the retrieve (one Vtiger round, not
		// two); its answer is used only once the project passed the
		// scope check.
		projectStats = s.goProjectStatistics(ctx, c, t.ID)
	}
	rec, err := s.st.Get(ctx, def, c, t.ID, t.ParentID)
	if err != nil {
		if projectStats != nil {
			_, _ = projectStats()
		}
		return nil, err
	}
	s.enrichList(ctx, def, []vtiger.Record{rec})
	switch def.Name {
	case "SalesOrder":
		inv, err := s.st.InvoicesOfSalesOrder(ctx, t.ID)
		if err != nil {
			return nil, err
		}
		rec["invoices"] = inv
	case "Project":
		st, err := projectStats()
		if err != nil {
			return nil, err
		}
		rec["statistics"] = st
	}
	return rec, nil
}

// enrichList adds the per-record extras of a module: the currency object of
// inventory records and catalogue items, and product images (cached). The
// currencies of a page are looked up once per distinct currency (cached),
// never per row; catalogue rows without a currency_id (SELECT rows never
// carry one, only retrieve does) are priced in the base currency.
func (s *Engine) enrichList(ctx context.Context, def *Module, recs []vtiger.Record) {
	catalogue := def.Name == "Products" || def.Name == "Services"
	if !def.LineItems && !catalogue {
		return
	}
	currencies := map[string]vtiger.Record{}
	for _, r := range recs {
		id := r.String("currency_id")
		if _, done := currencies[id]; done {
			continue
		}
		var (
			cur vtiger.Record
			err error
		)
		switch {
		case id != "":
			cur, err = s.st.Currency(ctx, id)
		case catalogue:
			cur, err = s.st.BaseCurrency(ctx)
		}
		if err != nil {
			s.log.WarnContext(ctx, "currency lookup", "id", id, "err", err)
		}
		if cur == nil {
			cur = vtiger.Record{}
		}
		currencies[id] = cur
	}
	for _, r := range recs {
		if def.LineItems {
			if _, ok := r["LineItems"]; !ok {
				r["LineItems"] = []vtiger.Record{}
			}
		}
		r["currency"] = currencies[r.String("currency_id")]
		if def.Name == "Products" {
			if img := s.st.ProductImage(ctx, r.String("id"), r.String("imageattachmentids")); img != "" {
				r["imagecontent"] = img
			}
		}
	}
}

// projectStatistics computes a project's task statistics with one query.
func (s *Engine) projectStatistics(ctx context.Context, c domain.Customer, projectID string) (map[string]float64, error) {
	// A project list page just computed them for its projects.
	if v, ok := s.cache.Peek(projectStatsKey(c, projectID)); ok {
		return maps.Clone(v.(map[string]float64)), nil
	}
	all, err := s.taskStatistics(ctx, c, ListParams{ParentID: projectID})
	if err != nil {
		return nil, err
	}
	if st, ok := all[projectID]; ok {
		return st, nil
	}
	return newProjectStats(), nil
}

// goProjectStatistics starts projectStatistics and returns its wait.
func (s *Engine) goProjectStatistics(ctx context.Context, c domain.Customer, projectID string) func() (map[string]float64, error) {
	var (
		st   map[string]float64
		err  error
		done = make(chan struct{})
	)
	go func() {
		defer close(done)
		st, err = s.projectStatistics(ctx, c, projectID)
	}()
	return func() (map[string]float64, error) {
		<-done
		return st, err
	}
}

// addProjectStatistics gives every project of a list page its statistics
// object (contract decision 6) from ONE task query over the page's ids.
func (s *Engine) addProjectStatistics(ctx context.Context, c domain.Customer, recs []vtiger.Record) error {
	if len(recs) == 0 {
		return nil
	}
	ids := make([]string, 0, len(recs))
	for _, r := range recs {
		ids = append(ids, r.String("id"))
	}
	all, err := s.taskStatistics(ctx, c, ListParams{InField: "projectid", InValues: ids})
	if err != nil {
		return err
	}
	for _, r := range recs {
		st, ok := all[r.String("id")]
		if !ok {
			st = newProjectStats()
		}
		r["statistics"] = st
		s.cache.Set(ctx, projectStatsKey(c, r.String("id")), maps.Clone(st), s.cfg.Cache.CountTTL)
	}
	return nil
}

// projectStatsKey keeps one project's task statistics for one scope.
func projectStatsKey(c domain.Customer, projectID string) cacheKey {
	return cacheKey{kind: kindProjectStats, id: projectID, scope: scopeOf(c)}
}

func newProjectStats() map[string]float64 {
	return map[string]float64{"total_tasks": 0, "total_hours": 0, "open_tasks": 0, "closed_tasks": 0,
		"in_progress_tasks": 0, "deferred_tasks": 0, "cancelled_tasks": 0, "low_tasks": 0, "normal_tasks": 0, "high_tasks": 0}
}

// taskStatistics aggregates the in-scope tasks matching p per project.
func (s *Engine) taskStatistics(ctx context.Context, c domain.Customer, p ListParams) (map[string]map[string]float64, error) {
	out := map[string]map[string]float64{}
	tdef, err := s.module("ProjectTask")
	if err != nil {
		return out, nil
	}
	// Past the scan ceiling the numbers cover the first tasks (logged by
	// Select): a bounded answer, never an error.
	rows, _, err := s.st.Select(ctx, tdef, c, []string{"projectid", "projecttaskstatus", "projecttaskpriority", "projecttaskhours"}, p)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		pid := r.String("projectid")
		st, ok := out[pid]
		if !ok {
			st = newProjectStats()
			out[pid] = st
		}
		st["total_tasks"]++
		st["total_hours"] += number(r["projecttaskhours"])
		switch strings.ToLower(r.String("projecttaskstatus")) {
		case "open":
			st["open_tasks"]++
		case "in progress":
			st["in_progress_tasks"]++
		case "completed":
			st["closed_tasks"]++
		case "deferred":
			st["deferred_tasks"]++
		case "canceled", "cancelled":
			st["cancelled_tasks"]++
		}
		switch strings.ToLower(r.String("projecttaskpriority")) {
		case "low":
			st["low_tasks"]++
		case "normal":
			st["normal_tasks"]++
		case "high":
			st["high_tasks"]++
		}
	}
	return out, nil
}

// Create creates a custom-module record (or a project task, with
// t.ParentID) from customer input filtered by the writable whitelist.
func (s *Engine) Create(ctx context.Context, c domain.Customer, t Target, input map[string]any) (vtiger.Record, error) {
	def, err := s.def(t)
	if err != nil {
		return nil, err
	}
	if !def.Custom && def.Name != "ProjectTask" {
		return nil, domain.NotFound("resource")
	}
	schema, err := s.st.Schema(ctx, def.Name)
	if err != nil {
		return nil, err
	}
	el, err := convertInput(schema, def, input, def.WritableFields)
	if err != nil {
		return nil, err
	}
	if err := s.st.checkRefs(ctx, schema, el); err != nil {
		return nil, err
	}
	for _, f := range applyCreateDefaults(schema, def, el) {
		s.log.WarnContext(ctx, "create default rejected by describe; fix portal.yaml",
			"key", "vtiger.business.modules."+def.Name+".createDefaults."+f)
	}
	if u := s.cfg.Vtiger.Business.DefaultUser; u != "" {
		el["assigned_user_id"] = u
	}
	if schema.Has("from_portal") {
		el["from_portal"] = "1"
	}
	if def.Name == "ProjectTask" {
		if _, err := s.parentCheck(ctx, c, def, t.ParentID); err != nil {
			return nil, err
		}
		el["projectid"] = t.ParentID
		if _, ok := el["projecttaskstatus"]; !ok {
			if v := picklistDefault(schema, "projecttaskstatus"); v != "" {
				el["projecttaskstatus"] = v
			}
		}
	} else {
		acc, con := ScopeFields(def, schema)
		if len(acc) == 0 && len(con) == 0 {
			return nil, domain.Errorf(domain.EFORBIDDEN, "records of this module cannot be created from the portal")
		}
		for _, f := range acc {
			if c.AccountID != "" {
				el[f] = c.AccountID
			}
		}
		for _, f := range con {
			el[f] = c.ContactID
		}
		if (def.Visibility == VisibilityContact || c.AccountID == "") && len(con) == 0 {
			return nil, domain.Errorf(domain.EFORBIDDEN, "records of this module need an organisation")
		}
	}
	if err := requireMandatory(schema, el); err != nil {
		return nil, err
	}
	return s.st.Create(ctx, def, c, el)
}

// Update revises an in-scope custom-module record with whitelisted fields,
// or a task's status (the only task field a customer changes).
func (s *Engine) Update(ctx context.Context, c domain.Customer, t Target, input map[string]any) (vtiger.Record, error) {
	def, err := s.def(t)
	if err != nil {
		return nil, err
	}
	allowed := def.WritableFields
	switch {
	case def.Custom:
	case def.Name == "ProjectTask":
		allowed = []string{"projecttaskstatus"}
	default:
		return nil, domain.NotFound("resource")
	}
	schema, err := s.st.Schema(ctx, def.Name)
	if err != nil {
		return nil, err
	}
	el, err := convertInput(schema, def, input, allowed)
	if err != nil {
		return nil, err
	}
	if err := s.st.checkRefs(ctx, schema, el); err != nil {
		return nil, err
	}
	if len(el) == 0 {
		// Nothing writable was sent: answer with the record unchanged
		// (still scope-checked).
		return s.st.Get(ctx, def, c, t.ID, t.ParentID)
	}
	return s.st.Revise(ctx, def, c, t.ID, t.ParentID, el)
}

// ModuleForID returns the custom module an id belongs to (by prefix).
func (s *Engine) ModuleForID(ctx context.Context, id string) (string, error) {
	def, err := s.st.ModuleOfID(ctx, id)
	if err != nil {
		return "", err
	}
	return def.Name, nil
}

// Comments lists one page of the public comments of an in-scope record
// (newest first by default).
func (s *Engine) Comments(ctx context.Context, c domain.Customer, t Target, p ListParams) (ListResult, error) {
	def, err := s.def(t)
	if err != nil {
		return ListResult{}, err
	}
	return s.related(ctx, c, "ModComments", def, t, p, func(ctx context.Context) (ListResult, error) {
		return s.st.Comments(ctx, def, c, t.ID, t.ParentID, p)
	})
}

// related serves one page of a record's comments or documents (module)
// through the stale-while-revalidate cache, keyed by the record, the page
// and the exact scope.
func (s *Engine) related(ctx context.Context, c domain.Customer, module string, def *Module, t Target, p ListParams, fn func(context.Context) (ListResult, error)) (ListResult, error) {
	key := cacheKey{kind: kindRelated, module: module, id: t.ID, scope: scopeOf(c), detail: def.Name + "|" + t.ParentID + "|" + publicKey(p)}
	res, err := readAs(ctx, s.cache, key, fn)
	if err != nil {
		return ListResult{}, err
	}
	res.Data = cloneRecords(res.Data)
	return res, nil
}

// AddComment adds a customer comment.
func (s *Engine) AddComment(ctx context.Context, c domain.Customer, t Target, content string) (vtiger.Record, error) {
	def, err := s.def(t)
	if err != nil {
		return nil, err
	}
	return s.st.AddComment(ctx, def, c, t.ID, t.ParentID, content)
}

// Documents lists one page of the documents of an in-scope record (newest
// first by default).
func (s *Engine) Documents(ctx context.Context, c domain.Customer, t Target, p ListParams) (ListResult, error) {
	def, err := s.def(t)
	if err != nil {
		return ListResult{}, err
	}
	return s.related(ctx, c, "Documents", def, t, p, func(ctx context.Context) (ListResult, error) {
		return s.st.Documents(ctx, def, c, t.ID, t.ParentID, p)
	})
}

// UploadDocument attaches a file to an in-scope record.
func (s *Engine) UploadDocument(ctx context.Context, c domain.Customer, t Target, up Upload) (vtiger.Record, error) {
	def, err := s.def(t)
	if err != nil {
		return nil, err
	}
	if err := checkUpload(up); err != nil {
		return nil, err
	}
	return s.st.UploadDocument(ctx, def, c, t.ID, t.ParentID, up)
}

// File downloads an attachment of a document of an in-scope record.
func (s *Engine) File(ctx context.Context, c domain.Customer, t Target, attachmentID string) (*File, error) {
	def, err := s.def(t)
	if err != nil {
		return nil, err
	}
	return s.st.File(ctx, def, c, t.ID, t.ParentID, attachmentID)
}

// MyDocuments lists the documents of the customer's contact.
func (s *Engine) MyDocuments(ctx context.Context, c domain.Customer) ([]vtiger.Record, error) {
	key := cacheKey{kind: kindRelated, module: "Documents", id: c.ContactID, scope: scopeOf(c), detail: "Contacts"}
	return readRecords(ctx, s.cache, key, func(ctx context.Context) ([]vtiger.Record, error) { return s.st.MyDocuments(ctx, c) })
}

// UploadMyDocument attaches a file to the customer's contact.
func (s *Engine) UploadMyDocument(ctx context.Context, c domain.Customer, up Upload) (vtiger.Record, error) {
	if err := checkUpload(up); err != nil {
		return nil, err
	}
	return s.st.UploadMyDocument(ctx, c, up)
}

// MyFile downloads an attachment of a document of the customer's contact.
func (s *Engine) MyFile(ctx context.Context, c domain.Customer, crmid, attachmentID string) (*File, error) {
	return s.st.MyFile(ctx, c, crmid, attachmentID)
}

// DeleteMyDocument deletes a document of the customer's contact.
func (s *Engine) DeleteMyDocument(ctx context.Context, c domain.Customer, crmid, docID string) error {
	return s.st.DeleteMyDocument(ctx, c, crmid, docID)
}

func checkUpload(up Upload) error {
	if len(up.Content) == 0 {
		return domain.Invalid("file", "the file is empty")
	}
	if strings.TrimSpace(up.Name) == "" {
		return domain.Invalid("file", "the file has no name")
	}
	return nil
}
