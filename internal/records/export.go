package records

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
)

// Column is one column of an export: the Vtiger field and its describe
// label (the header cell).
type Column struct {
	Field string
	Label string
}

// Export is a whole in-scope list ready to stream: the columns, the number
// of matching rows (already checked against export.maxRows) and the scoped
// query it pages through.
type Export struct {
	Columns []Column
	Count   int

	st     *store
	schema *Schema
	picks  map[string]map[string]string // field → stored value → label
	q      *vtiger.Select
	max    int
	users  map[string]string // CRM user id → name, across pages
}

// userLabels names the CRM users of owner fields ("Assigned To") that the
// reference query left unnamed, through the cached manager card the
// portal shows for them.
func (e *Export) userLabels(ctx context.Context, rows []vtiger.Record, labels map[string]string) {
	for _, c := range e.Columns {
		f := e.schema.Field(c.Field)
		if f == nil || (f.Type.Name != "owner" && !slices.Contains(f.Type.RefersTo, "Users")) {
			continue
		}
		for _, r := range rows {
			id := r.String(c.Field)
			if id == "" || labels[id] != "" || vtiger.IDPrefix(id) == "" {
				continue
			}
			name, ok := e.users[id]
			if !ok {
				if m, err := e.st.Manager(ctx, id); err == nil {
					name = strings.TrimSpace(m.String("first_name") + " " + m.String("last_name"))
				}
				if e.users == nil {
					e.users = map[string]string{}
				}
				e.users[id] = name
			}
			if name != "" {
				labels[id] = name
			}
		}
	}
}

// exportSkip are fields an export leaves out when the module lists every
// field: internal links and blobs a spreadsheet has no use for.
var exportSkip = map[string]bool{
	"imageattachmentids": true, "modifiedby": true, "created_user_id": true, "tags": true,
	"portal": true, "from_portal": true, "id": true,
}

// Export prepares the export of a module's list: the same scope, filters,
// search and sort as List, but every matching row instead of one page.
// Nothing is read beyond the count here, so a list over export.maxRows is
// refused (422) before the caller starts streaming.
func (s *Engine) Export(ctx context.Context, c domain.Customer, t Target, p ListParams) (*Export, error) {
	def, err := s.def(t)
	if err != nil {
		return nil, err
	}
	if p.Filters, err = def.filters(p.Query); err != nil {
		return nil, err
	}
	if def.Visibility == VisibilityParent {
		if _, err := s.parentCheck(ctx, c, def, t.ParentID); err != nil {
			return nil, err
		}
		p.ParentID = t.ParentID
	}
	st := s.st
	schema, err := st.Schema(ctx, def.Name)
	if err != nil {
		return nil, err
	}
	field, desc, err := ParseSort(schema, p.Sort, def.DefaultSort)
	if err != nil {
		return nil, err
	}
	listFields := def.ListFields
	if listFields == nil && def.Custom {
		// A custom module's configured fields are the ones its list shows.
		listFields = def.SearchFields
	}
	cols := exportColumns(schema, listFields)
	fields := []string(nil) // "*" when the module lists every field
	if listFields != nil {
		fields = make([]string, 0, len(cols)+1)
		fields = append(fields, "id") // for de-duplication across pages
		for _, c := range cols {
			fields = append(fields, c.Field)
		}
	}
	// scopedSelect is the list's WHERE (scope AND filters AND search), the
	// one place VTQL is assembled.
	_, q, where, err := st.scopedSelect(ctx, def, c, fields, p)
	if err != nil {
		return nil, err
	}
	e := &Export{Columns: cols, st: st, schema: schema, picks: picklistLabels(schema, cols), max: s.cfg.Export.MaxRows}
	if q == nil {
		return e, nil // nothing visible: a header-only file
	}
	if field != "" {
		q = q.OrderBy(field, desc)
	}
	// The count is cached per WHERE, whose text embeds the scope, exactly
	// as the paged list caches it.
	if e.Count, err = st.count(ctx, def.Name, where); err != nil {
		return nil, err
	}
	if e.Count > e.max {
		return nil, domain.Invalid("format", "the list has %d rows, more than the export limit of %d; narrow it with a filter or a search", e.Count, e.max)
	}
	e.q = q
	return e, nil
}

// exportColumns are the configured list fields in their order, or every
// describe field a customer may see, minus hidden and internal ones.
func exportColumns(s *Schema, listFields []string) []Column {
	var names []string
	if listFields != nil {
		names = listFields
	} else {
		for _, f := range s.Module.Fields {
			if !exportSkip[f.Name] {
				names = append(names, f.Name)
			}
		}
	}
	out := make([]Column, 0, len(names))
	seen := map[string]bool{}
	for _, n := range names {
		f := s.Field(n)
		if f == nil || seen[n] || s.kinds[n] == kHidden || !identRe.MatchString(n) {
			continue
		}
		seen[n] = true
		label := f.Label
		if label == "" {
			label = n
		}
		out = append(out, Column{Field: n, Label: label})
	}
	return out
}

// Rows pages through the list vtiger.PageSize rows at a time and hands
// each row, formatted as the portal shows it, to yield as soon as its page
// arrives. Rows are not cached: an export is read once. A record that
// moves between pages while the export runs is written once; rows added
// after the count stop at export.maxRows.
func (e *Export) Rows(ctx context.Context, yield func(row []string) error) error {
	if e.q == nil {
		return nil
	}
	seen := make(map[string]bool, e.Count)
	written := 0
	for offset := 0; written < e.max; offset += vtiger.PageSize {
		rows, err := e.st.c.Query(ctx, e.q.Limit(offset, vtiger.PageSize))
		if err != nil {
			return vtiger.DomainError(err, "record")
		}
		labels := e.st.refLabels(ctx, e.schema, rows)
		e.userLabels(ctx, rows, labels)
		for _, r := range rows {
			id := r.String("id")
			if id != "" && seen[id] {
				continue
			}
			seen[id] = true
			if written >= e.max {
				break
			}
			if err := yield(e.format(r, labels)); err != nil {
				return err
			}
			written++
		}
		if len(rows) < vtiger.PageSize {
			return nil
		}
	}
	return nil
}

// format renders one raw row as the portal shows it: dates ISO 8601 (dates
// as YYYY-MM-DD, date-times as RFC 3339 UTC, empty when unset), numbers
// plain, booleans yes/no, references and picklist values by their labels,
// multi-value fields joined with ", ".
func (e *Export) format(r vtiger.Record, labels map[string]string) []string {
	out := make([]string, len(e.Columns))
	for i, c := range e.Columns {
		out[i] = e.cell(c.Field, r[c.Field], labels)
	}
	return out
}

func (e *Export) cell(field string, v any, labels map[string]string) string {
	str, ok := v.(string)
	if !ok {
		switch v := v.(type) {
		case nil:
			return ""
		case float64:
			return strconv.FormatFloat(v, 'f', -1, 64)
		case bool:
			return yesNo(v)
		}
		return "" // nested values (line items) have no cell
	}
	switch e.schema.kinds[field] {
	case kInt, kFloat:
		if strings.TrimSpace(str) == "" {
			return ""
		}
		return strconv.FormatFloat(parseNumber(str), 'f', -1, 64)
	case kBool:
		return yesNo(parseBool(str))
	case kDate:
		if d := formatDate(str); d != ZeroTime {
			return d[:10]
		}
		return ""
	case kDatetime:
		if d := formatDatetime(str); d != ZeroTime {
			return d
		}
		return ""
	case kRef, kOwner:
		if str == "" || str == "0" {
			return ""
		}
		if l := labels[str]; l != "" {
			return l
		}
		return str
	case kMulti:
		parts := splitList(str, " |##| ")
		for i, p := range parts {
			parts[i] = e.picklistLabel(field, p)
		}
		return strings.Join(parts, ", ")
	case kTags:
		return strings.Join(splitList(str, ","), ", ")
	}
	return e.picklistLabel(field, str)
}

// picklistLabel returns the describe label of a picklist value (Vtiger
// translates labels; the stored value is the untranslated key).
func (e *Export) picklistLabel(field, value string) string {
	if l, ok := e.picks[field][value]; ok {
		return l
	}
	return value
}

func picklistLabels(s *Schema, cols []Column) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, c := range cols {
		f := s.Field(c.Field)
		for _, pv := range f.Type.PicklistValues {
			if pv.Label == "" {
				continue
			}
			if out[c.Field] == nil {
				out[c.Field] = map[string]string{}
			}
			out[c.Field][pv.Value] = pv.Label
		}
	}
	return out
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
