package vtigersim

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

type record struct {
	mod     *module
	num     int // crmid (entities) or the module's own row id (Users, actor entities)
	vals    map[string]string
	deleted bool
	items   []lineItem
	attach  []int
	created time.Time
}

func (r *record) id() string { return r.mod.prefix + "x" + strconv.Itoa(r.num) }

type lineItem struct {
	id   int
	vals map[string]string
}

type attachment struct {
	id      int
	owner   int
	name    string
	mime    string
	content []byte
}

type link struct {
	src, dst int
	label    string
}

const timeLayout = "2006-01-02 15:04:05"

var idRe = regexp.MustCompile(`^([0-9]+)x([0-9]+)$`)

// AddModule registers a (custom) module.
func (s *Server) AddModule(meta ModuleMeta) error {
	m, err := parseModule(meta)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.modules[m.name]; dup {
		return fmt.Errorf("vtigersim: module %s already registered", m.name)
	}
	if other, dup := s.byPrefix[m.prefix]; dup {
		return fmt.Errorf("vtigersim: prefix %s of %s already used by %s", m.prefix, m.name, other.name)
	}
	s.modules[m.name] = m
	s.byPrefix[m.prefix] = m
	return nil
}

// AddField appends a custom field (describe field JSON) to a module.
func (s *Server) AddField(moduleName string, fieldJSON []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.modules[moduleName]
	if m == nil {
		return fmt.Errorf("vtigersim: unknown module %s", moduleName)
	}
	if err := m.addField(fieldJSON); err != nil {
		return err
	}
	name := m.fields[len(m.fields)-2].Name
	if m.fields[len(m.fields)-1].Name != "id" {
		name = m.fields[len(m.fields)-1].Name
	}
	for _, r := range s.records {
		if r.mod == m {
			if _, ok := r.vals[name]; !ok {
				r.vals[name] = ""
			}
		}
	}
	return nil
}

// SetWritable makes update and revise store a field describe marks not
// editable (stock Vtiger saves only displaytype 1 and 3 fields, so e.g.
// Documents' filedownloadcount is silently dropped), as an install patched
// to write it does. The describe answer is unchanged.
func (s *Server) SetWritable(moduleName, fieldName string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.modules[moduleName]
	if m == nil {
		return fmt.Errorf("vtigersim: unknown module %s", moduleName)
	}
	f := m.byName[fieldName]
	if f == nil {
		return fmt.Errorf("vtigersim: module %s has no field %s", moduleName, fieldName)
	}
	f.Editable = true
	return nil
}

// Insert stores a record directly (no session, no latency) and returns its id.
func (s *Server) Insert(moduleName string, fields map[string]string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.modules[moduleName]
	if m == nil {
		return "", fmt.Errorf("vtigersim: unknown module %s", moduleName)
	}
	r, err := s.insertLocked(m, fields, 0)
	if err != nil {
		return "", err
	}
	return r.id(), nil
}

// insertLocked creates a record; num 0 means "next id".
func (s *Server) insertLocked(m *module, fields map[string]string, num int) (*record, error) {
	for k := range fields {
		if k == "id" {
			continue
		}
		if _, ok := m.byName[k]; !ok {
			return nil, fmt.Errorf("vtigersim: module %s has no field %s", m.name, k)
		}
	}
	now := time.Now().UTC()
	r := &record{mod: m, vals: map[string]string{}, created: now}
	for _, f := range m.fields {
		if f.Name == "id" {
			continue
		}
		v := fields[f.Name]
		if v == "" {
			switch {
			case f.Type == "boolean":
				v = "0"
			case f.isOwner() || f.Name == "modifiedby" || f.Name == "creator":
				if m.isEntity && m.name != "Users" {
					v = "19x1"
				}
			case f.Name == "createdtime" || f.Name == "modifiedtime":
				v = now.Format(timeLayout)
			case f.Name == m.meta.NumberField:
				v = m.meta.NumberPrefix + strconv.Itoa(m.nextNum)
				m.nextNum++
			}
		}
		r.vals[f.Name] = v
	}
	switch {
	case num > 0:
		r.num = num
		if num >= m.nextID {
			m.nextID = num + 1
		}
	case m.isEntity && m.name != "Users":
		r.num = s.nextCrm
		s.nextCrm++
	default:
		r.num = m.nextID
		m.nextID++
	}
	if m.isEntity && m.name != "Users" {
		s.byCrm[r.num] = r
	}
	s.records[r.id()] = r
	return r, nil
}

// Get returns a copy of a record's stored values (false when missing or deleted).
func (s *Server) Get(id string) (map[string]string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.records[id]
	if r == nil || r.deleted {
		return nil, false
	}
	out := make(map[string]string, len(r.vals)+1)
	for k, v := range r.vals {
		out[k] = v
	}
	out["id"] = r.id()
	return out, true
}

// Set overwrites fields of a record and bumps modifiedtime unless it is given.
func (s *Server) Set(id string, fields map[string]string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.records[id]
	if r == nil || r.deleted {
		return fmt.Errorf("vtigersim: no record %s", id)
	}
	for k := range fields {
		if _, ok := r.mod.byName[k]; !ok || k == "id" {
			return fmt.Errorf("vtigersim: module %s has no field %s", r.mod.name, k)
		}
	}
	for k, v := range fields {
		r.vals[k] = v
	}
	if _, ok := fields["modifiedtime"]; !ok {
		if _, has := r.vals["modifiedtime"]; has {
			r.vals["modifiedtime"] = time.Now().UTC().Format(timeLayout)
		}
	}
	return nil
}

// Delete marks a record deleted (queries skip it; retrieve answers as for a missing record).
func (s *Server) Delete(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.records[id]
	if r == nil || r.deleted {
		return fmt.Errorf("vtigersim: no record %s", id)
	}
	r.deleted = true
	return nil
}

// Relate links two records under a relation label (vtiger_crmentityrel / senotesrel).
func (s *Server) Relate(sourceID, relatedID, label string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	src, dst := s.records[sourceID], s.records[relatedID]
	if src == nil || dst == nil {
		return fmt.Errorf("vtigersim: relate %s → %s: record missing", sourceID, relatedID)
	}
	s.relateLocked(src, dst, label)
	return nil
}

func (s *Server) relateLocked(src, dst *record, label string) {
	for _, l := range s.links {
		if l.src == src.num && l.dst == dst.num && l.label == label {
			return
		}
	}
	s.links = append(s.links, link{src: src.num, dst: dst.num, label: label})
}

// AttachFile stores a file for a document (or any record) and returns the attachment id
// in files_retrieve form ("15x22"); it sets filename/filetype/filesize/filelocationtype when the module has them.
func (s *Server) AttachFile(docID, name, mimeType string, content []byte) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.records[docID]
	if r == nil || r.deleted {
		return "", fmt.Errorf("vtigersim: no record %s", docID)
	}
	return s.attachLocked(r, name, mimeType, content), nil
}

func (s *Server) attachLocked(r *record, name, mimeType string, content []byte) string {
	a := &attachment{id: s.nextCrm, owner: r.num, name: name, mime: mimeType, content: append([]byte(nil), content...)}
	s.nextCrm++
	s.files[a.id] = a
	r.attach = append(r.attach, a.id)
	set := func(k, v string) {
		if _, ok := r.mod.byName[k]; ok {
			r.vals[k] = v
		}
	}
	set("filename", name)
	set("filetype", mimeType)
	set("filesize", strconv.Itoa(len(content)))
	set("filelocationtype", "I")
	set("filestatus", "1")
	return r.mod.prefix + "x" + strconv.Itoa(a.id)
}

// SetLineItems replaces the line items of an inventory record. Each item needs productid
// (a Products or Services id); quantity, listprice, discount_percent, discount_amount, comment,
// description, tax1..3 are optional. hdnSubTotal/hdnGrandTotal/pre_tax_total are recomputed
// unless they were set explicitly on the record.
func (s *Server) SetLineItems(id string, items []map[string]string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.records[id]
	if r == nil || r.deleted {
		return fmt.Errorf("vtigersim: no record %s", id)
	}
	if !r.mod.inventory() {
		return fmt.Errorf("vtigersim: %s is not an inventory module", r.mod.name)
	}
	return s.setItemsLocked(r, items)
}

func (s *Server) setItemsLocked(r *record, items []map[string]string) error {
	var out []lineItem
	sub := 0.0
	for i, it := range items {
		p := s.records[it["productid"]]
		if p == nil || (p.mod.name != "Products" && p.mod.name != "Services") {
			return fmt.Errorf("vtigersim: line item %d: productid %q is not a product or service", i+1, it["productid"])
		}
		v := map[string]string{}
		for k, val := range it {
			v[k] = val
		}
		if v["quantity"] == "" {
			v["quantity"] = "1"
		}
		if v["listprice"] == "" {
			v["listprice"] = p.vals["unit_price"]
		}
		q, _ := strconv.ParseFloat(v["quantity"], 64)
		lp, _ := strconv.ParseFloat(v["listprice"], 64)
		line := q * lp
		if dp, err := strconv.ParseFloat(v["discount_percent"], 64); err == nil {
			line -= line * dp / 100
		}
		if da, err := strconv.ParseFloat(v["discount_amount"], 64); err == nil {
			line -= da
		}
		sub += line
		v["sequence_no"] = strconv.Itoa(i + 1)
		out = append(out, lineItem{id: s.nextItem, vals: v})
		s.nextItem++
	}
	r.items = out
	if len(out) > 0 {
		r.vals["productid"] = items[0]["productid"]
	}
	total := strconv.FormatFloat(sub, 'f', 8, 64)
	for _, k := range []string{"hdnSubTotal", "hdnGrandTotal", "pre_tax_total"} {
		if _, ok := r.mod.byName[k]; ok && r.vals[k] == "" {
			r.vals[k] = total
		}
	}
	return nil
}

// label is the record label Vtiger keeps in vtiger_crmentity.label.
func (r *record) label() string {
	var lf string
	_ = jsonUnmarshalString(r.mod.top["labelFields"], &lf)
	var parts []string
	for _, f := range strings.Split(lf, ",") {
		f = strings.TrimSpace(f)
		if f == "title" { // HelpDesk/Documents name the DB column, not the field
			switch r.mod.name {
			case "HelpDesk":
				f = "ticket_title"
			case "Documents":
				f = "notes_title"
			}
		}
		if v := r.vals[f]; v != "" {
			parts = append(parts, v)
		}
	}
	return strings.Join(parts, " ")
}

// wsValue is how a stored value is answered: empty references are null like NULL columns.
func wsValue(f *field, v string, present bool) any {
	if !present {
		return nil
	}
	if v == "" && f.isRef() {
		return nil
	}
	return v
}

// hiddenField reports fields retrieve/query never return.
func hiddenField(m *module, f *field) bool {
	return f.Type == "password" || (m.name == "Users" && f.Name == "accesskey")
}

// retrieveSkips reports described fields retrieve leaves out: the per-line
// inventory columns (they come back inside LineItems) and the product tax flags.
func retrieveSkips(m *module, f *field) bool {
	switch {
	case m.inventory():
		switch f.Name {
		case "productid", "quantity", "listprice", "comment", "discount_amount", "discount_percent", "tax1", "tax2", "tax3":
			return true
		}
		return strings.HasPrefix(f.Name, "shipping_&_handling")
	case m.name == "Products" || m.name == "Services":
		return f.Name == "tax1" || f.Name == "tax2" || f.Name == "tax3"
	}
	return false
}

// rowObj renders a record as retrieve does (withLabel) or as a SELECT * row.
func (s *Server) rowObj(r *record, withLabel bool) *obj {
	o := newObj()
	for _, f := range r.mod.fields {
		if hiddenField(r.mod, f) || (withLabel && retrieveSkips(r.mod, f)) {
			continue
		}
		if f.Name == "id" {
			o.set("id", r.id())
			if r.mod.name == "Documents" {
				o.set("imageattachmentids", s.attachIDs(r))
			}
			continue
		}
		if withLabel && f.Name == "currency1" && (r.mod.name == "Products" || r.mod.name == "Services") {
			continue // retrieve moves it behind label (below)
		}
		v, ok := r.vals[f.Name]
		o.set(f.Name, wsValue(f, v, ok))
		if f.Name == "ticketcategories" && r.mod.name == "HelpDesk" {
			// update_log is not described (presence hidden) but retrieve and SELECT * return it.
			o.set("update_log", nil)
		}
	}
	if withLabel && r.mod.isEntity && r.mod.name != "Users" {
		o.set("label", r.label())
	}
	if withLabel && (r.mod.name == "Products" || r.mod.name == "Services") {
		// The base-currency price comes back as a PHP float, followed by the currency id.
		price, _ := strconv.ParseFloat(r.vals["unit_price"], 64)
		o.set("currency1", price)
		o.set("currency_id", "21x1")
	}
	if withLabel && r.mod.inventory() {
		s.addInventory(o, r)
	}
	return o
}

// rowFor is rowObj as seen by u: fields hidden from the default non-admin profile are left out.
func (s *Server) rowFor(u *user, r *record, withLabel bool) *obj {
	o := s.rowObj(r, withLabel)
	if u != nil && !u.admin {
		o.del("update_log")
	}
	return o
}

func (s *Server) attachIDs(r *record) string {
	ids := make([]string, 0, len(r.attach))
	for _, a := range r.attach {
		ids = append(ids, r.mod.prefix+"x"+strconv.Itoa(a))
	}
	return strings.Join(ids, ",")
}

func (s *Server) lineItemPrefix() string {
	if m := s.modules["LineItem"]; m != nil {
		return m.prefix
	}
	return "33"
}

func dec8(v string) string {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return v
	}
	return strconv.FormatFloat(f, 'f', 8, 64)
}

func dec2(v string) string {
	f, _ := strconv.ParseFloat(v, 64)
	return strconv.FormatFloat(f, 'f', 2, 64)
}

func dec3(v string) string {
	f, _ := strconv.ParseFloat(v, 64)
	return strconv.FormatFloat(f, 'f', 3, 64)
}

// addInventory appends LineItems, productid and LineItems_FinalDetails as retrieve does for inventory modules.
func (s *Server) addInventory(o *obj, r *record) {
	items := make([]any, 0, len(r.items))
	final := newObj()
	lp := s.lineItemPrefix()
	for i, it := range r.items {
		p := s.records[it.vals["productid"]]
		name, etype := "", ""
		if p != nil {
			etype = p.mod.name
			name = p.vals["productname"]
			if etype == "Services" {
				name = p.vals["servicename"]
			}
		}
		nullable := func(k string) any {
			if v := it.vals[k]; v != "" {
				return v
			}
			return nil
		}
		li := newObj().
			set("parent_id", r.id()).
			set("productid", it.vals["productid"]).
			set("sequence_no", it.vals["sequence_no"]).
			set("quantity", dec3(it.vals["quantity"])).
			set("listprice", dec8(it.vals["listprice"])).
			set("discount_percent", nullable("discount_percent")).
			set("discount_amount", nullable("discount_amount")).
			set("comment", it.vals["comment"]).
			set("description", it.vals["description"]).
			set("incrementondel", "1").
			set("tax1", dec3(it.vals["tax1"])).
			set("tax2", dec3(it.vals["tax2"])).
			set("tax3", dec3(it.vals["tax3"])).
			set("image", nil).
			set("purchase_cost", "0.00000000").
			set("margin", "0.00000000").
			set("id", lp+"x"+strconv.Itoa(it.id)).
			set("product_name", name).
			set("entity_type", etype).
			set("deleted", "0")
		items = append(items, li)
		n := strconv.Itoa(i + 1)
		q, _ := strconv.ParseFloat(it.vals["quantity"], 64)
		pr, _ := strconv.ParseFloat(it.vals["listprice"], 64)
		total := strconv.FormatFloat(q*pr, 'f', 2, 64)
		crm := ""
		if p != nil {
			crm = strconv.Itoa(p.num)
		}
		final.set(n, newObj().
			set("productDeleted"+n, false).
			set("entityType"+n, etype).
			set("hdnProductId"+n, crm).
			set("productName"+n, name).
			set("comment"+n, it.vals["comment"]).
			set("qty"+n, strconv.FormatFloat(q, 'f', -1, 64)).
			set("listPrice"+n, dec2(it.vals["listprice"])).
			set("productTotal"+n, total).
			set("netPrice"+n, total))
	}
	if len(r.items) > 0 {
		final.vals["1"].(*obj).set("final_details", newObj().
			set("taxtype", r.vals["hdnTaxType"]).
			set("hdnSubTotal", dec2(r.vals["hdnSubTotal"])).
			set("grandTotal", dec2(r.vals["hdnGrandTotal"])))
	}
	o.set("LineItems", items)
	o.set("productid", r.vals["productid"])
	o.set("LineItems_FinalDetails", final)
}
