package records

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
)

// store is the scoped module engine over Vtiger: the Engine's data side.
type store struct {
	c     Client
	reg   *Registry
	cache *Cache
	biz   config.Business
	ttl   config.Cache // TTL: read-mostly data; CountTTL: totals, scope helpers, visible records
	log   *slog.Logger
	// schemas memoizes the compiled describe per module (*Schema); the
	// describe itself is cached by the client.
	schemas sync.Map
	// scanMax bounds the aggregate scans of Select (0 = the client's
	// ceiling); tests lower it.
	scanMax int
	// downloadCountIgnored is set once the CRM showed it drops writes of
	// filedownloadcount (stock Vtiger: a read-only field).
	downloadCountIgnored atomic.Bool
}

// newStore wires a store over the engine's registry and cache.
func newStore(c Client, reg *Registry, cache *Cache, cfg config.Config, log *slog.Logger) *store {
	return &store{c: c, reg: reg, cache: cache, biz: cfg.Vtiger.Business, ttl: cfg.Cache, log: log}
}

// Registry returns the module definitions.
func (st *store) Registry() *Registry { return st.reg }

// Schema returns the compiled describe of module (cached).
func (st *store) Schema(ctx context.Context, module string) (*Schema, error) {
	m, err := st.c.Describe(ctx, module)
	if err != nil {
		return nil, vtiger.DomainError(err, "module")
	}
	// The client caches describe; the engine only keeps the compilation of
	// the very result the client hands out, recompiling when it refreshes.
	if v, ok := st.schemas.Load(module); ok && v.(*Schema).Module == m {
		return v.(*Schema), nil
	}
	s := NewSchema(m)
	st.schemas.Store(module, s)
	return s, nil
}

// Describe returns the describe result of module as Vtiger gives it.
func (st *store) Describe(ctx context.Context, module string) (*vtiger.Module, error) {
	s, err := st.Schema(ctx, module)
	if err != nil {
		return nil, err
	}
	return s.Module, nil
}

// ScopeFields splits a module's scope fields into those referring to
// Accounts and those referring to Contacts, from describe. Custom modules
// without configured scope fields use every Accounts/Contacts reference.
func ScopeFields(def *Module, s *Schema) (acc, con []string) {
	fields := def.ScopeFields
	if len(fields) == 0 && def.Custom {
		for _, f := range s.Module.Fields {
			if f.Type.Name == "reference" {
				fields = append(fields, f.Name)
			}
		}
	}
	for _, f := range fields {
		if !s.Has(f) {
			continue
		}
		refs := s.RefersTo(f)
		if slices.Contains(refs, "Accounts") {
			acc = append(acc, f)
		}
		if slices.Contains(refs, "Contacts") {
			con = append(con, f)
		}
	}
	return acc, con
}

// accountContactIDs returns the ids of every contact of the customer's
// account (plus the customer's own), cached briefly: account visibility
// means "linked to the account or to any of its contacts".
func (st *store) accountContactIDs(ctx context.Context, cust domain.Customer) ([]string, error) {
	if cust.AccountID == "" {
		return []string{cust.ContactID}, nil
	}
	return getAs(ctx, st.cache, cacheKey{kind: kindAccountContacts, scope: scopeOf(cust)}, st.ttl.CountTTL, func(ctx context.Context) ([]string, error) {
		rows, err := st.c.QueryAll(ctx, vtiger.NewSelect("id").From("Contacts").Where(vtiger.Eq("account_id", cust.AccountID)), 0)
		if err != nil {
			return nil, vtiger.DomainError(err, "contact")
		}
		ids := make([]string, 0, len(rows)+1)
		ids = append(ids, cust.ContactID)
		for _, r := range rows {
			if id := r.String("id"); id != "" && id != cust.ContactID {
				ids = append(ids, id)
			}
		}
		return ids, nil
	})
}

// visibleParentIDs returns the ids of every parent record (projects) the
// customer sees, cached briefly.
func (st *store) visibleParentIDs(ctx context.Context, def *Module, cust domain.Customer) ([]string, error) {
	pdef, ok := st.reg.byName[def.Parent]
	if !ok {
		return nil, nil
	}
	return getAs(ctx, st.cache, parentsKey(pdef.Name, cust), st.ttl.CountTTL, func(ctx context.Context) ([]string, error) {
		cond, visible, err := st.scopeCond(ctx, pdef, cust, "")
		if err != nil || !visible {
			return nil, err
		}
		q := vtiger.NewSelect("id").From(pdef.Name)
		if cond != nil {
			q = q.Where(cond)
		}
		rows, err := st.c.QueryAll(ctx, q, 0)
		if err != nil {
			return nil, vtiger.DomainError(err, "record")
		}
		ids := make([]string, 0, len(rows))
		for _, r := range rows {
			ids = append(ids, r.String("id"))
		}
		return ids, nil
	})
}

func parentsKey(module string, cust domain.Customer) cacheKey {
	return cacheKey{kind: kindParents, module: module, scope: scopeOf(cust)}
}

// isParent reports whether module is the parent of another enabled module.
func (st *store) isParent(module string) bool {
	for _, d := range st.reg.byName {
		if d.Visibility == VisibilityParent && d.Parent == module {
			return true
		}
	}
	return false
}

// scopeCond returns the VTQL condition limiting def's records to what cust
// may see; visible is false when nothing can match (no query needed).
// parentID (VisibilityParent only) narrows to one already-checked parent.
func (st *store) scopeCond(ctx context.Context, def *Module, cust domain.Customer, parentID string) (cond vtiger.Cond, visible bool, err error) {
	if cust.ContactID == "" {
		return nil, false, nil
	}
	switch def.Visibility {
	case VisibilityPublic:
		var conds []vtiger.Cond
		for k, v := range def.Fixed {
			conds = append(conds, vtiger.Eq(k, v))
		}
		if len(conds) == 0 {
			return nil, true, nil
		}
		return vtiger.And(conds...), true, nil
	case VisibilityParent:
		if parentID != "" {
			return vtiger.Eq(def.ParentField, parentID), true, nil
		}
		ids, err := st.visibleParentIDs(ctx, def, cust)
		if err != nil || len(ids) == 0 {
			return nil, false, err
		}
		return vtiger.In(def.ParentField, ids...), true, nil
	}
	s, err := st.Schema(ctx, def.Name)
	if err != nil {
		return nil, false, err
	}
	accF, conF := ScopeFields(def, s)
	var ors []vtiger.Cond
	if def.Visibility == VisibilityAccount && cust.AccountID != "" {
		for _, f := range accF {
			ors = append(ors, vtiger.Eq(f, cust.AccountID))
		}
	}
	if len(conF) > 0 {
		ids := []string{cust.ContactID}
		if def.Visibility == VisibilityAccount {
			if ids, err = st.accountContactIDs(ctx, cust); err != nil {
				return nil, false, err
			}
		}
		for _, f := range conF {
			ors = append(ors, vtiger.In(f, ids...))
		}
	}
	if len(ors) == 0 {
		return nil, false, nil
	}
	return joinConds(vtiger.Or, ors), true, nil
}

// joinConds joins conds with op (vtiger.And or vtiger.Or); a lone
// condition is used as it is, and no condition is nil.
func joinConds(op func(...vtiger.Cond) vtiger.Cond, conds []vtiger.Cond) vtiger.Cond {
	switch len(conds) {
	case 0:
		return nil
	case 1:
		return conds[0]
	}
	return op(conds...)
}

// inScope re-checks one retrieved record against the scope rule in Go.
func (st *store) inScope(ctx context.Context, def *Module, cust domain.Customer, raw vtiger.Record) (bool, error) {
	if cust.ContactID == "" {
		return false, nil
	}
	switch def.Visibility {
	case VisibilityPublic:
		for k, v := range def.Fixed {
			if raw.String(k) != v {
				return false, nil
			}
		}
		return true, nil
	case VisibilityParent:
		pdef, ok := st.reg.byName[def.Parent]
		pid := raw.String(def.ParentField)
		if !ok || pid == "" {
			return false, nil
		}
		_, err := st.getRaw(ctx, pdef, cust, pid)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return false, nil
		}
		return err == nil, err
	}
	s, err := st.Schema(ctx, def.Name)
	if err != nil {
		return false, err
	}
	accF, conF := ScopeFields(def, s)
	if def.Visibility == VisibilityAccount && cust.AccountID != "" {
		for _, f := range accF {
			if raw.String(f) == cust.AccountID {
				return true, nil
			}
		}
	}
	if len(conF) == 0 {
		return false, nil
	}
	ids := []string{cust.ContactID}
	if def.Visibility == VisibilityAccount {
		if ids, err = st.accountContactIDs(ctx, cust); err != nil {
			return false, err
		}
	}
	for _, f := range conF {
		if v := raw.String(f); v != "" && slices.Contains(ids, v) {
			return true, nil
		}
	}
	return false, nil
}

// getRaw retrieves id of def and checks the id's module and the scope; any
// failure of those checks is the same 404 as a missing record.
func (st *store) getRaw(ctx context.Context, def *Module, cust domain.Customer, id string) (vtiger.Record, error) {
	s, err := st.Schema(ctx, def.Name)
	if err != nil {
		return nil, err
	}
	if !s.ValidID(id) {
		return nil, domain.NotFound("record")
	}
	raw, err := st.c.Retrieve(ctx, id)
	if err != nil {
		return nil, vtiger.DomainError(err, "record")
	}
	ok, err := st.inScope(ctx, def, cust, raw)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, domain.NotFound("record")
	}
	st.markVisible(ctx, def, cust, raw)
	return raw, nil
}

// visibleEntry records that a record passed the scope check for one
// customer scope; parent is its parent link (VisibilityParent), if known.
type visibleEntry struct{ parent string }

// visibleKey pins the record, its module and the exact scope; a revise
// drops the record's entries for every scope (Change.stales).
func visibleKey(def *Module, cust domain.Customer, id string) cacheKey {
	return cacheKey{kind: kindVisible, module: def.Name, id: id, scope: scopeOf(cust)}
}

// markVisible remembers briefly that raw is in cust's scope, so the
// sub-resource routes (comments, documents) that follow a record page need
// not retrieve the record again only to check access.
func (st *store) markVisible(ctx context.Context, def *Module, cust domain.Customer, raw vtiger.Record) {
	id := raw.String("id")
	if id == "" || cust.ContactID == "" {
		return
	}
	var parent string
	if def.Visibility == VisibilityParent {
		parent = raw.String(def.ParentField)
	}
	st.cache.Set(ctx, visibleKey(def, cust, id), visibleEntry{parent: parent}, st.ttl.CountTTL)
}

// checkScoped is getScoped for read-only access checks: a record seen in
// this exact scope within cache.countTTL passes without a Vtiger call.
func (st *store) checkScoped(ctx context.Context, def *Module, cust domain.Customer, id, parentID string) error {
	if v, ok := st.cache.Peek(visibleKey(def, cust, id)); ok && cust.ContactID != "" {
		e := v.(visibleEntry)
		if parentID == "" || (def.Visibility == VisibilityParent && e.parent != "" && e.parent == parentID) {
			return nil
		}
	}
	_, err := st.getScoped(ctx, def, cust, id, parentID)
	return err
}

// Get returns one record the customer may see. parentID, when set, must be
// the record's parent (a task must belong to the project of the URL).
func (st *store) Get(ctx context.Context, def *Module, cust domain.Customer, id, parentID string) (vtiger.Record, error) {
	raw, err := st.getScoped(ctx, def, cust, id, parentID)
	if err != nil {
		return nil, err
	}
	return st.typed(ctx, def, raw)
}

func (st *store) getScoped(ctx context.Context, def *Module, cust domain.Customer, id, parentID string) (vtiger.Record, error) {
	if parentID != "" {
		if def.Visibility != VisibilityParent {
			return nil, domain.NotFound("record")
		}
		pdef := st.reg.byName[def.Parent]
		ps, err := st.Schema(ctx, pdef.Name)
		if err != nil {
			return nil, err
		}
		if !ps.ValidID(parentID) {
			return nil, domain.NotFound("record")
		}
	}
	raw, err := st.getRaw(ctx, def, cust, id)
	if err != nil {
		return nil, err
	}
	if parentID != "" && raw.String(def.ParentField) != parentID {
		return nil, domain.NotFound("record")
	}
	return raw, nil
}

// ListParams are a list request's paging, sort, search and filters.
type ListParams struct {
	Page     int
	Size     int
	Sort     string            // "field" or "-field"; comma lists use the first
	Search   string            // LIKE over the module's search fields
	Query    map[string]string // the request's other query parameters; the module's QueryFilters read them
	Filters  map[string]string // field = value (fields must be described); set by the engine
	ParentID string            // VisibilityParent: the checked parent
	Fields   []string          // select only these (nil = list fields or *)
	InField  string            // optional extra condition InField IN (InValues…)
	InValues []string
}

// ListResult is one page.
type ListResult struct {
	Data  []vtiger.Record
	Count int
	Page  int
	Size  int
}

// normalizePage applies the configured page size and bounds, once per
// list request (Engine.List).
func (st *store) normalizePage(p *ListParams) {
	if p.Page < 1 {
		p.Page = 1
	}
	if p.Size < 1 {
		p.Size = st.biz.DefaultPagination
	}
	if p.Size > st.biz.MaxPageSize {
		p.Size = st.biz.MaxPageSize
	}
}

// maxSearchLen bounds search text: longer text is never a useful search.
const maxSearchLen = 200

// buildWhere assembles scope AND filters AND (search OR …).
func (st *store) buildWhere(ctx context.Context, def *Module, s *Schema, cust domain.Customer, p ListParams) (vtiger.Cond, bool, error) {
	var scope vtiger.Cond
	if def.Visibility == VisibilityParent && p.ParentID == "" && p.InField != "" && p.InField == def.ParentField {
		// "parent IN (visible) AND parent IN (wanted)" is the parent IN
		// their intersection: one condition, and no query when it is empty.
		ids, err := st.visibleParentIDs(ctx, def, cust)
		if err != nil {
			return nil, false, err
		}
		var keep []string
		for _, v := range p.InValues {
			if slices.Contains(ids, v) && !slices.Contains(keep, v) {
				keep = append(keep, v)
			}
		}
		if len(keep) == 0 || cust.ContactID == "" {
			return nil, false, nil
		}
		scope = vtiger.In(def.ParentField, keep...)
		p.InField, p.InValues = "", nil
	} else {
		var visible bool
		var err error
		scope, visible, err = st.scopeCond(ctx, def, cust, p.ParentID)
		if err != nil || !visible {
			return nil, false, err
		}
	}
	var conds []vtiger.Cond
	if scope != nil {
		conds = append(conds, scope)
	}
	for _, k := range slices.Sorted(maps.Keys(p.Filters)) {
		v := p.Filters[k]
		if !s.Has(k) || !identRe.MatchString(k) {
			return nil, false, domain.Invalid(k, "unknown filter field %q", truncate(k))
		}
		if v == "" {
			continue
		}
		conds = append(conds, vtiger.Eq(k, v))
	}
	if p.InField != "" {
		if !s.Has(p.InField) || len(p.InValues) == 0 {
			return nil, false, nil
		}
		conds = append(conds, vtiger.In(p.InField, p.InValues...))
	}
	if text := strings.TrimSpace(p.Search); text != "" {
		if utf8.RuneCountInString(text) > maxSearchLen {
			return nil, false, domain.Invalid("search", "search text must be at most %d characters", maxSearchLen)
		}
		var ors []vtiger.Cond
		for _, f := range def.SearchFields {
			if s.Has(f) {
				ors = append(ors, vtiger.Contains(f, text))
			}
		}
		if len(ors) == 0 {
			return nil, false, nil
		}
		conds = append(conds, joinConds(vtiger.Or, ors))
	}
	return joinConds(vtiger.And, conds), true, nil
}

// ParseSort validates a sort parameter against describe (contract decision
// 4). A comma list orders by its first key, but every key is validated: a
// bad second key is the same 422 as a bad single one, never silently
// dropped.
func ParseSort(s *Schema, sort, def string) (field string, desc bool, err error) {
	if strings.TrimSpace(sort) == "" {
		sort = def
		if !s.Sortable(strings.TrimPrefix(sort, "-")) {
			return "", false, nil // a misconfigured default is not the customer's fault
		}
	}
	for i, key := range strings.Split(sort, ",") {
		key = strings.TrimSpace(key)
		d := strings.HasPrefix(key, "-")
		name := strings.TrimPrefix(strings.TrimPrefix(key, "-"), "+")
		if !s.Sortable(name) {
			if key == "" {
				return "", false, domain.Invalid("sort", "sort value has an empty key")
			}
			return "", false, domain.Invalid("sort", "sort value %q is not allowed", truncate(key))
		}
		if i == 0 {
			field, desc = name, d
		}
	}
	return field, desc, nil
}

func truncate(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strings.ToValidUTF8(s, "")
}

// List returns one page of def's records in the customer's scope, with the
// total count (cached per scope and filter for CountTTL).
func (st *store) List(ctx context.Context, def *Module, cust domain.Customer, p ListParams) (ListResult, error) {
	res := ListResult{Data: []vtiger.Record{}, Page: p.Page, Size: p.Size}
	s, err := st.Schema(ctx, def.Name)
	if err != nil {
		return res, err
	}
	field, desc, err := ParseSort(s, p.Sort, def.DefaultSort)
	if err != nil {
		return res, err
	}
	where, visible, err := st.buildWhere(ctx, def, s, cust, p)
	if err != nil || !visible {
		return res, err
	}
	fields := p.Fields
	if fields == nil {
		fields = def.ListFields
	}
	q := vtiger.NewSelect(st.knownFields(s, fields)...).From(def.Name)
	if where != nil {
		q = q.Where(where)
	}
	if field != "" {
		q = q.OrderBy(field, desc)
	}
	off := (p.Page - 1) * p.Size
	if window, ok := st.window(q); ok && (off+p.Size <= len(window) || len(window) < scanWindow) {
		// A dashboard scan of exactly this list just read its first rows.
		if res.Count, err = st.count(ctx, def.Name, where); err != nil {
			return res, err
		}
		return st.finishList(ctx, def, s, cust, res, window[min(off, len(window)):min(off+p.Size, len(window))]), nil
	}
	_, ckey, cerr := countQuery(def.Name, where)
	_, counted := st.cache.Peek(ckey)
	if whole := !counted && cerr == nil && off+p.Size <= scanWindow; whole {
		// The total is unknown and the page lies in the first window: one
		// query for the window answers the page and, when the window is
		// not full, the count (a catalogue's first visit, a filtered list).
		q = q.Limit(0, scanWindow)
		rows, err := st.c.Query(ctx, q)
		if err != nil {
			return res, vtiger.DomainError(err, "record")
		}
		page := rows[min(off, len(rows)):min(off+p.Size, len(rows))]
		if len(rows) < scanWindow {
			res.Count = len(rows)
			st.cache.Set(ctx, ckey, res.Count, st.ttl.CountTTL)
		} else if res.Count, err = st.count(ctx, def.Name, where); err != nil {
			return res, err
		}
		return st.finishList(ctx, def, s, cust, res, page), nil
	}
	q = q.Limit(off, p.Size)
	rows, err := st.c.Query(ctx, q)
	if err != nil {
		return res, vtiger.DomainError(err, "record")
	}
	res.Count, err = st.count(ctx, def.Name, where)
	if err != nil {
		return res, err
	}
	return st.finishList(ctx, def, s, cust, res, rows), nil
}

// windowKey names the first rows of the unlimited list query q.
func windowKey(module string, q *vtiger.Select) (cacheKey, bool) {
	vtql, err := q.String()
	return cacheKey{kind: kindWindow, module: module, detail: vtql}, err == nil
}

// window returns the first rows a scan of q (no LIMIT yet) left behind.
func (st *store) window(q *vtiger.Select) ([]vtiger.Record, bool) {
	key, ok := windowKey(q.Module(), q)
	if !ok {
		return nil, false
	}
	v, ok := st.cache.Peek(key)
	if !ok {
		return nil, false
	}
	return v.([]vtiger.Record), true
}

// ScanAsList reads every in-scope record of def with the query of its
// default list (fields, order), typed. One scan then serves three: the
// caller's aggregate, the list total and the list's first pages, which
// are kept (raw, for cache.countTTL) as the list's window.
//
// The scan stops at the row ceiling (approx): the aggregate then covers
// the first rows and says so, and nothing is learnt from it.
func (st *store) ScanAsList(ctx context.Context, def *Module, cust domain.Customer) (rows []vtiger.Record, approx bool, err error) {
	p := ListParams{}
	s, q, where, err := st.scopedSelect(ctx, def, cust, def.ListFields, p)
	if err != nil || q == nil {
		return []vtiger.Record{}, false, err
	}
	// The default order; an empty sort is never refused (a misconfigured
	// default is dropped), so it may come after the scope.
	field, desc, err := ParseSort(s, "", def.DefaultSort)
	if err != nil {
		return nil, false, err
	}
	if field != "" {
		q = q.OrderBy(field, desc)
	}
	rows, truncated, err := st.scan(ctx, def, cust, where, p, q)
	if err != nil {
		return nil, false, err
	}
	if key, ok := windowKey(def.Name, q); ok {
		st.cache.Set(ctx, key, slices.Clip(rows[:min(len(rows), scanWindow)]), st.ttl.CountTTL)
	}
	return typeAll(s, def.Custom, rows), truncated, nil
}

// scan reads the rows of an in-scope query q up to the row ceiling
// (truncated past it, with a warning). Only a complete scan tells the
// total and the visible parents (learnFromScan).
func (st *store) scan(ctx context.Context, def *Module, cust domain.Customer, where vtiger.Cond, p ListParams, q *vtiger.Select) (rows []vtiger.Record, truncated bool, err error) {
	rows, truncated, err = st.c.QueryUpTo(ctx, q, st.scanMax)
	if err != nil {
		return nil, false, vtiger.DomainError(err, "record")
	}
	if truncated {
		st.log.WarnContext(ctx, "aggregate scan hit the row ceiling; answer is approximate", "module", def.Name, "rows", len(rows))
	} else {
		st.learnFromScan(ctx, def, cust, where, p, rows)
	}
	return rows, truncated, nil
}

// typeAll types raw rows of one module by its schema, without reference
// labels (aggregates and searches show none).
func typeAll(s *Schema, custom bool, rows []vtiger.Record) []vtiger.Record {
	out := make([]vtiger.Record, 0, len(rows))
	for _, r := range rows {
		out = append(out, s.Type(r, custom, nil))
	}
	return out
}

// scanWindow is the most rows one Vtiger query returns (the webservice's
// page); a window with fewer rows is the whole result.
const scanWindow = 100

// finishList marks the page's records visible and types them.
func (st *store) finishList(ctx context.Context, def *Module, s *Schema, cust domain.Customer, res ListResult, rows []vtiger.Record) ListResult {
	for _, r := range rows {
		st.markVisible(ctx, def, cust, r)
	}
	var labels map[string]string
	if def.Custom {
		labels = st.refLabels(ctx, s, rows)
	}
	res.Data = make([]vtiger.Record, 0, len(rows))
	for _, r := range rows {
		res.Data = append(res.Data, s.Type(r, def.Custom, labels))
	}
	return res
}

func (st *store) knownFields(s *Schema, fields []string) []string {
	if len(fields) == 0 {
		return nil
	}
	out := make([]string, 0, len(fields)+1)
	for _, f := range fields {
		if s.Has(f) && identRe.MatchString(f) && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// countQuery is the query whose count is a list's total; its text (which
// embeds the scope) is the count cache key.
func countQuery(module string, where vtiger.Cond) (*vtiger.Select, cacheKey, error) {
	q := vtiger.NewSelect().From(module)
	if where != nil {
		q = q.Where(where)
	}
	key, err := q.String()
	if err != nil {
		return nil, cacheKey{}, vtiger.DomainError(err, "record")
	}
	return q, cacheKey{kind: kindCount, module: module, detail: key}, nil
}

// count is Client.Count cached per module and WHERE.
func (st *store) count(ctx context.Context, module string, where vtiger.Cond) (int, error) {
	q, key, err := countQuery(module, where)
	if err != nil {
		return 0, err
	}
	return getAs(ctx, st.cache, key, st.ttl.CountTTL, func(ctx context.Context) (int, error) {
		n, err := st.c.Count(ctx, q)
		return n, vtiger.DomainError(err, "record")
	})
}

// learnFromScan caches what a complete scan of every row matching where
// tells for free: the list total for that WHERE (Vtiger 8.4 has no
// count(*), so counting would page the same rows again) and, for an
// unfiltered scan of a parent module, the customer's visible parent ids.
func (st *store) learnFromScan(ctx context.Context, def *Module, cust domain.Customer, where vtiger.Cond, p ListParams, rows []vtiger.Record) {
	if _, key, err := countQuery(def.Name, where); err == nil {
		st.cache.Set(ctx, key, len(rows), st.ttl.CountTTL)
	}
	unfiltered := len(p.Filters) == 0 && strings.TrimSpace(p.Search) == "" && p.InField == "" && p.ParentID == ""
	if unfiltered && def.Visibility != VisibilityParent && st.isParent(def.Name) {
		ids := make([]string, 0, len(rows))
		for _, r := range rows {
			ids = append(ids, r.String("id"))
		}
		st.cache.Set(ctx, parentsKey(def.Name, cust), ids, st.ttl.CountTTL)
	}
}

// scopedSelect builds the in-scope query of def for fields; q is nil when
// the customer can see nothing of the module (no query needed).
func (st *store) scopedSelect(ctx context.Context, def *Module, cust domain.Customer, fields []string, p ListParams) (*Schema, *vtiger.Select, vtiger.Cond, error) {
	s, err := st.Schema(ctx, def.Name)
	if err != nil {
		return nil, nil, nil, err
	}
	where, visible, err := st.buildWhere(ctx, def, s, cust, p)
	if err != nil || !visible {
		return s, nil, nil, err
	}
	q := vtiger.NewSelect(st.knownFields(s, fields)...).From(def.Name)
	if where != nil {
		q = q.Where(where)
	}
	return s, q, where, nil
}

// Select returns the in-scope records of def matching p (selected fields
// only, typed) for aggregates such as statistics: at most the scan ceiling
// (the client's, 10000 rows). approx reports that more matched; the
// aggregate is then computed over the first rows and flagged, never turned
// into an error.
func (st *store) Select(ctx context.Context, def *Module, cust domain.Customer, fields []string, p ListParams) (rows []vtiger.Record, approx bool, err error) {
	s, q, where, err := st.scopedSelect(ctx, def, cust, fields, p)
	if err != nil || q == nil {
		return []vtiger.Record{}, false, err
	}
	raw, truncated, err := st.scan(ctx, def, cust, where, p, q)
	if err != nil {
		return nil, false, err
	}
	return typeAll(s, def.Custom, raw), truncated, nil
}

// SearchPage is like Select but returns at most limit rows in one query.
func (st *store) SearchPage(ctx context.Context, def *Module, cust domain.Customer, fields []string, p ListParams, limit int) ([]vtiger.Record, error) {
	s, q, _, err := st.scopedSelect(ctx, def, cust, fields, p)
	if err != nil || q == nil {
		return []vtiger.Record{}, err
	}
	rows, err := st.c.Query(ctx, q.Limit(0, limit))
	if err != nil {
		return nil, vtiger.DomainError(err, "record")
	}
	return typeAll(s, def.Custom, rows), nil
}

// Create creates a record of def with already validated values; the
// caller sets the scope links. The result is re-checked against the scope.
func (st *store) Create(ctx context.Context, def *Module, cust domain.Customer, element map[string]any) (vtiger.Record, error) {
	raw, err := st.c.Create(ctx, def.Name, element)
	// A create hangs off its parent (a task off its project: the project
	// page's statistics change).
	parent := ""
	if def.ParentField != "" {
		if p, ok := element[def.ParentField].(string); ok {
			parent = p
		}
	}
	st.cache.Invalidate(Change{Module: def.Name, Parent: parent})
	if err != nil {
		return nil, vtiger.DomainError(err, "record")
	}
	return st.typed(ctx, def, raw)
}

// typed renders one record as reads do: custom modules with their
// reference labels resolved (one query per referenced module), so a write
// answer looks like the list and the detail.
func (st *store) typed(ctx context.Context, def *Module, raw vtiger.Record) (vtiger.Record, error) {
	s, err := st.Schema(ctx, def.Name)
	if err != nil {
		return nil, err
	}
	var labels map[string]string
	if def.Custom {
		labels = st.refLabels(ctx, s, []vtiger.Record{raw})
	}
	return s.Type(raw, def.Custom, labels), nil
}

// Revise updates fields of an in-scope record (fields already whitelisted).
func (st *store) Revise(ctx context.Context, def *Module, cust domain.Customer, id, parentID string, fields map[string]any) (vtiger.Record, error) {
	if _, err := st.getScoped(ctx, def, cust, id, parentID); err != nil {
		return nil, err
	}
	el := make(map[string]any, len(fields)+1)
	for k, v := range fields {
		el[k] = v
	}
	el["id"] = id
	raw, err := st.c.Revise(ctx, el)
	st.cache.Invalidate(Change{Module: def.Name, ID: id, Parent: parentID})
	if err != nil {
		return nil, vtiger.DomainError(err, "record")
	}
	if ok, err := st.inScope(ctx, def, cust, raw); err == nil && !ok {
		// Writable fields never include scope links, so this is a CRM-side
		// change racing ours; report the record as gone rather than leak it.
		st.log.WarnContext(ctx, "record left the customer's scope after revise", "module", def.Name, "id", id)
		return nil, domain.NotFound("record")
	}
	return st.typed(ctx, def, raw)
}

// Raw returns the untyped in-scope record (for services needing raw values).
func (st *store) Raw(ctx context.Context, def *Module, cust domain.Customer, id, parentID string) (map[string]any, error) {
	raw, err := st.getScoped(ctx, def, cust, id, parentID)
	return raw, err
}

// ModuleOfID returns the enabled custom module whose describe prefix
// matches id (for /custom-modules/undefined/{id}).
func (st *store) ModuleOfID(ctx context.Context, id string) (*Module, error) {
	prefix := vtiger.IDPrefix(id)
	if prefix == "" {
		return nil, domain.NotFound("record")
	}
	for _, name := range st.reg.custom {
		def, ok := st.reg.ByName(name)
		if !ok {
			continue
		}
		s, err := st.Schema(ctx, name)
		if err != nil {
			return nil, err
		}
		if s.Prefix == prefix {
			return def, nil
		}
	}
	return nil, domain.NotFound("record")
}
