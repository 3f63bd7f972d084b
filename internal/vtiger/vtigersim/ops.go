package vtigersim

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// listtypesOrder is the order of vtiger_tab (entities) and vtiger_ws_entity (actors) on a stock install.
var listtypesOrder = []string{"Campaigns", "Vendors", "Faq", "Quotes", "PurchaseOrder", "SalesOrder", "Invoice", "PriceBooks", "Calendar",
	"Leads", "Accounts", "Contacts", "Potentials", "Products", "Documents", "Emails", "HelpDesk", "Events", "Users", "PBXManager",
	"ServiceContracts", "Services", "ProjectMilestone", "ProjectTask", "Project", "ModComments", "SMSNotifier", "Assets"}

var actorOrder = []string{"Groups", "Currency", "DocumentFolders", "CompanyDetails", "LineItem", "Tax", "ProductTaxes"}

var singulars = map[string]string{"Campaigns": "Campaign", "Vendors": "Vendor", "Faq": "FAQ", "Quotes": "Quote", "PurchaseOrder": "Purchase Order",
	"SalesOrder": "Sales Order", "Invoice": "Invoice", "PriceBooks": "Price Book", "Calendar": "Task", "Leads": "Lead", "Accounts": "Organization",
	"Contacts": "Contact", "Potentials": "Opportunity", "Products": "Product", "Documents": "Document", "Emails": "Email", "HelpDesk": "Ticket",
	"Events": "Event", "Users": "User", "PBXManager": "Call Record", "ServiceContracts": "Service Contract", "Services": "Service",
	"ProjectMilestone": "Project Milestone", "ProjectTask": "Project Task", "Project": "Project", "ModComments": "Comment", "Assets": "Asset"}

var listLabels = map[string]string{"Faq": "FAQ", "Invoice": "Invoices", "PurchaseOrder": "Purchase Orders", "SalesOrder": "Sales Orders"}

// canAccess is the simulator's profile model: admins see everything, other users every module but Users.
func canAccess(u *user, m *module) bool {
	return m != nil && (u == nil || u.admin || m.name != "Users")
}

func (s *Server) moduleFor(u *user, name string) *module {
	m := s.modules[name]
	if !canAccess(u, m) {
		return nil
	}
	return m
}

func (s *Server) opGetChallenge(c *call) (any, *wsError) {
	name := c.get("username")
	if name == "" {
		return nil, &wsError{"ACCESS_DENIED", "No username given"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.users[name] == nil {
		return nil, &wsError{"ACCESS_DENIED", "username does not exists"}
	}
	now := time.Now()
	ch := challenge{token: randHex(13), expires: now.Add(5 * time.Minute)}
	s.chall[name] = ch // replaces (invalidates) the user's earlier token
	s.pendingLogins[name]++
	s.pendingTotal++
	if s.pendingTotal > s.maxLogins {
		s.maxLogins = s.pendingTotal
	}
	return newObj().set("token", ch.token).set("serverTime", now.Unix()).set("expireTime", ch.expires.Unix()), nil
}

func (s *Server) opLogin(c *call) (any, *wsError) {
	name, key := c.get("username"), c.get("accessKey")
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pendingLogins[name] > 0 {
		s.pendingLogins[name]--
		s.pendingTotal--
	}
	u := s.users[name]
	ch, ok := s.chall[name]
	if u == nil || !ok || time.Now().After(ch.expires) {
		return nil, &wsError{"INVALID_AUTH_TOKEN", "Specified token is invalid or expired"}
	}
	if u.key == "" {
		return nil, &wsError{"ACCESSKEY_UNDEFINED", "Access key for the user is undefined"}
	}
	sum := md5.Sum([]byte(ch.token + u.key))
	if key != hex.EncodeToString(sum[:]) {
		return nil, &wsError{"INVALID_USER_CREDENTIALS", "Invalid username or password"}
	}
	sess := &session{id: randHex(21), user: u, lastUsed: time.Now(), lock: make(chan struct{}, 1)}
	s.sessions[sess.id] = sess
	s.logins++
	ur := s.records[u.wsID()]
	uv := func(k string) string {
		if ur == nil {
			return ""
		}
		return ur.vals[k]
	}
	isAdmin := "off"
	if u.admin {
		isAdmin = "on"
	}
	return newObj().set("username", u.name).set("first_name", uv("first_name")).set("last_name", uv("last_name")).
		set("email", uv("email1")).set("time_zone", "UTC").set("hour_format", "12").set("date_format", "yyyy-mm-dd").
		set("is_admin", isAdmin).set("call_duration", "5").set("other_event_duration", "5").set("sessionName", sess.id).
		set("userId", u.wsID()).set("version", "0.22").set("vtigerVersion", s.vtigerVersion()), nil
}

func (s *Server) vtigerVersion() string {
	if s.is7() {
		return "7.5.0"
	}
	return "8.4.0"
}

func (s *Server) opExtendSession(*call) (any, *wsError) {
	// There is never a CRM web-UI session to adopt.
	return nil, &wsError{"AUTHENTICATION_FAILURE", "Authencation Failed"}
}

func (s *Server) opLogout(c *call) (any, *wsError) {
	if c.r.Method != http.MethodPost {
		return nil, &wsError{"OPERATION_NOT_SUPPORTED", "Permission to perform the operation is denied"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, c.sess.id)
	return newObj().set("message", "successfull"), nil
}

func (s *Server) opListTypes(c *call) (any, *wsError) {
	var typeFilter []string
	if raw := c.get("fieldTypeList"); raw != "" {
		if err := json.Unmarshal([]byte(raw), &typeFilter); err != nil {
			return nil, errInternal
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	seen := map[string]bool{}
	add := func(n string) {
		m := s.modules[n]
		if seen[n] || !canAccess(c.user, m) {
			return
		}
		// With a field-type filter Vtiger lists only CRM modules (no Users, no actors).
		if len(typeFilter) > 0 && (!m.isEntity || m.name == "Users" || !m.hasFieldType(typeFilter)) {
			return
		}
		seen[n] = true
		names = append(names, n)
	}
	for _, n := range listtypesOrder {
		if m := s.modules[n]; m != nil && m.isEntity {
			add(n)
		}
	}
	var rest, actors []string
	for n, m := range s.modules {
		if seen[n] {
			continue
		}
		if m.isEntity {
			rest = append(rest, n)
		} else if !contains(actorOrder, n) {
			actors = append(actors, n)
		}
	}
	sort.Strings(rest)
	sort.Strings(actors)
	for _, n := range rest {
		add(n)
	}
	for _, n := range actorOrder {
		add(n)
	}
	for _, n := range actors {
		add(n)
	}
	info := newObj()
	for _, n := range names {
		m := s.modules[n]
		label := m.label
		if l, ok := listLabels[n]; ok {
			label = l
		}
		sing := singulars[n]
		if sing == "" {
			sing = label
		}
		info.set(n, newObj().set("isEntity", m.isEntity).set("label", label).set("singular", sing))
	}
	return newObj().set("types", names).set("information", info), nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func (s *Server) opDescribe(c *call) (any, *wsError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, werr := s.elementTypeLocked(c.user, c.get("elementType"))
	if werr != nil {
		return nil, werr
	}
	return rawJSON(m.describeJSON()), nil
}

// elementTypeLocked finds the module an elementType parameter names, as
// describe and relatedtypes do: an unknown name is denied by name, a module
// the user may not see with the generic denial.
func (s *Server) elementTypeLocked(u *user, name string) (*module, *wsError) {
	m := s.modules[name]
	if m == nil {
		return nil, deniedName(name)
	}
	if !canAccess(u, m) {
		return nil, errDenied
	}
	return m, nil
}

// idModuleLocked splits an id ("12x34") into the module its prefix names and
// its number. retrieve & co. and files_retrieve deny a malformed id and an
// unknown prefix alike, before looking at the number.
func (s *Server) idModuleLocked(u *user, id string) (*module, int, *wsError) {
	mm := idRe.FindStringSubmatch(id)
	var m *module
	if mm != nil {
		m = s.byPrefix[mm[1]]
	}
	if m == nil {
		return nil, 0, errDeniedID
	}
	if !canAccess(u, m) {
		return nil, 0, errDenied
	}
	num, _ := strconv.Atoi(mm[2])
	return m, num, nil
}

// resolveLocked finds the live record an id names, with Vtiger 8.4's errors.
func (s *Server) resolveLocked(u *user, id string) (*record, *wsError) {
	m, num, werr := s.idModuleLocked(u, id)
	if werr != nil {
		return nil, werr
	}
	var r *record
	if m.isEntity && m.name != "Users" {
		r = s.byCrm[num]
	} else {
		r = s.records[id]
	}
	if r == nil || r.deleted {
		if s.is7() {
			return nil, errNotFound
		}
		return nil, errDenied
	}
	if r.mod != m {
		return nil, errIDIncorrect
	}
	return r, nil
}

func (s *Server) opRetrieve(c *call) (any, *wsError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, werr := s.resolveLocked(c.user, c.get("id"))
	if werr != nil {
		return nil, werr
	}
	return s.rowFor(c.user, r, true), nil
}

// element is a decoded `element` parameter: scalar values as strings, plus LineItems.
type element struct {
	vals     map[string]string
	items    []map[string]string
	hasItems bool
}

func decodeElement(raw string) (*element, *wsError) {
	el := &element{vals: map[string]string{}}
	if strings.TrimSpace(raw) == "" {
		return el, nil
	}
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, errInternal
	}
	for k, v := range m {
		if k == "LineItems" {
			el.hasItems = true
			list, _ := v.([]any)
			for _, it := range list {
				im, _ := it.(map[string]any)
				item := map[string]string{}
				for ik, iv := range im {
					item[ik] = scalar(iv)
				}
				el.items = append(el.items, item)
			}
			continue
		}
		el.vals[k] = scalar(v)
	}
	return el, nil
}

func scalar(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		if x {
			return "1"
		}
		return "0"
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

// checkRefsLocked validates reference and owner values and drops empty references, as vtws_create/update do.
func (s *Server) checkRefsLocked(m *module, el *element) *wsError {
	for _, f := range m.fields {
		v, ok := el.vals[f.Name]
		if !ok || (!f.isRef() && !f.isOwner()) {
			continue
		}
		if v == "" {
			if f.isRef() {
				delete(el.vals, f.Name)
			}
			continue
		}
		mm := idRe.FindStringSubmatch(v)
		var target *module
		if mm != nil {
			target = s.byPrefix[mm[1]]
		}
		if f.isOwner() {
			if target == nil || (target.name != "Users" && target.name != "Groups") || s.records[v] == nil {
				return &wsError{"ACCESS_DENIED", "Cannot assign record to the given user"}
			}
			continue
		}
		if target == nil || !contains(f.RefersTo, target.name) {
			return &wsError{"REFERENCE_INVALID", "Invalid reference specified for " + f.Name}
		}
	}
	return nil
}

// skipMandatory lists fields describe marks mandatory that Vtiger does not enforce on save.
func skipMandatory(m *module, f *field) bool {
	if f.Name == "id" || f.Type == "autogenerated" || !f.Editable && f.Name != "productid" {
		return true
	}
	if (m.name == "Products" || m.name == "Services") && (f.Name == "tax1" || f.Name == "tax2" || f.Name == "tax3" || f.Name == "currency1") {
		return true
	}
	return false
}

// systemField reports fields the server maintains itself.
func systemField(m *module, f *field) bool {
	switch f.Name {
	case "id", "createdtime", "modifiedtime", "modifiedby":
		return true
	}
	return f.Name == m.meta.NumberField
}

func (s *Server) opCreate(c *call) (any, *wsError) {
	name := c.get("elementType")
	el, werr := decodeElement(c.params.Get("element"))
	if werr != nil {
		return nil, werr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.moduleFor(c.user, name)
	if m == nil {
		return nil, errDenied
	}
	if !c.user.admin {
		return nil, errWriteDenied
	}
	if m.name == "Users" && !s.is7() {
		// Stock 8.4: roleid ("H5") goes through vtws_getIdComponents and fails.
		return nil, errIDIncorrect
	}
	if werr := s.checkRefsLocked(m, el); werr != nil {
		return nil, werr
	}
	for _, f := range m.fields {
		if f.Mandatory && !skipMandatory(m, f) && el.vals[f.Name] == "" {
			return nil, mandatoryMissing(f.Name)
		}
	}
	if m.inventory() {
		if !el.hasItems || len(el.items) == 0 {
			return nil, &wsError{"MANDATORY_FIELDS_MISSING", "Mandatory Fields Missing.."}
		}
		if !s.is7() {
			// Stock 8.4 bug: constructFocusObject calls vtws_getIdComponents('') before the record exists.
			return nil, errIDIncorrect
		}
	}
	var upload *uploaded
	if m.name == "Documents" {
		upload = readUpload(c.r)
	}
	r, err := s.insertLocked(m, createdValues(m, el, c.user), 0)
	if err != nil {
		s.log.Error("vtigersim: create", "module", m.name, "err", err)
		return nil, errInternal
	}
	if m.inventory() {
		if err := s.setItemsLocked(r, el.items); err != nil {
			return nil, errIDIncorrect
		}
	}
	if upload != nil {
		s.attachLocked(r, upload.name, upload.mime, upload.data)
	}
	return s.rowFor(c.user, r, true), nil
}

// createdValues is what a created record stores: the element's fields but
// the server-maintained ones, stamped as written through the webservice by u.
func createdValues(m *module, el *element, u *user) map[string]string {
	vals := map[string]string{}
	for _, f := range m.fields {
		if v, ok := el.vals[f.Name]; ok && !systemField(m, f) {
			vals[f.Name] = v
		}
	}
	if _, ok := m.byName["source"]; ok {
		vals["source"] = "WEBSERVICE"
	}
	if _, ok := m.byName["modifiedby"]; ok {
		vals["modifiedby"] = u.wsID()
	}
	if _, ok := m.byName["creator"]; ok && vals["creator"] == "" {
		vals["creator"] = u.wsID()
	}
	return vals
}

type uploaded struct {
	name, mime string
	data       []byte
}

// readUpload reads the multipart file part `filename` (Documents::save_module reads $_FILES['filename']).
func readUpload(r *http.Request) *uploaded {
	if r.MultipartForm == nil {
		return nil
	}
	fhs := r.MultipartForm.File["filename"]
	if len(fhs) == 0 {
		return nil
	}
	f, err := fhs[0].Open()
	if err != nil {
		return nil
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil
	}
	mime := fhs[0].Header.Get("Content-Type")
	if mime == "" {
		mime = http.DetectContentType(data)
	}
	return &uploaded{name: fhs[0].Filename, mime: mime, data: data}
}

func (s *Server) opUpdate(c *call) (any, *wsError) { return s.save(c, true) }
func (s *Server) opRevise(c *call) (any, *wsError) { return s.save(c, false) }

// save implements update (full: every mandatory field must be in the element) and revise (partial).
func (s *Server) save(c *call, full bool) (any, *wsError) {
	el, werr := decodeElement(c.params.Get("element"))
	if werr != nil {
		return nil, werr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, werr := s.resolveLocked(c.user, el.vals["id"])
	if werr != nil {
		return nil, werr
	}
	if !c.user.admin {
		return nil, errWriteDenied
	}
	m := r.mod
	for _, f := range m.fields {
		if !f.Mandatory || skipMandatory(m, f) {
			continue
		}
		v, present := el.vals[f.Name]
		if (full || present) && v == "" {
			if m.inventory() && f.Name == "productid" && !full {
				continue
			}
			return nil, mandatoryMissing(f.Name)
		}
	}
	if werr := s.checkRefsLocked(m, el); werr != nil {
		return nil, werr
	}
	for _, f := range m.fields {
		v, ok := el.vals[f.Name]
		if !ok || systemField(m, f) || !f.Editable {
			continue
		}
		r.vals[f.Name] = v
	}
	if _, ok := m.byName["modifiedtime"]; ok {
		r.vals["modifiedtime"] = time.Now().UTC().Format(timeLayout)
	}
	if _, ok := m.byName["modifiedby"]; ok {
		r.vals["modifiedby"] = c.user.wsID()
	}
	if m.inventory() && el.hasItems {
		for _, k := range []string{"hdnSubTotal", "hdnGrandTotal", "pre_tax_total"} {
			if _, given := el.vals[k]; !given {
				r.vals[k] = ""
			}
		}
		if err := s.setItemsLocked(r, el.items); err != nil {
			return nil, errIDIncorrect
		}
	}
	return s.rowFor(c.user, r, true), nil
}

func (s *Server) opDelete(c *call) (any, *wsError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, werr := s.resolveLocked(c.user, c.get("id"))
	if werr != nil {
		return nil, werr
	}
	if !c.user.admin {
		return nil, errWriteDenied
	}
	r.deleted = true
	return newObj().set("status", "successful"), nil
}

func (s *Server) opQuery(c *call) (any, *wsError) {
	q := c.get("query")
	if q == "" {
		return nil, &wsError{"ACCESS_DENIED", "Permission to perform the operation is denied for query"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.runQuery(c.user, q, nil)
}

func (s *Server) opRelatedTypes(c *call) (any, *wsError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, werr := s.elementTypeLocked(c.user, c.get("elementType"))
	if werr != nil {
		return nil, werr
	}
	types := []string{}
	info := newObj()
	for _, rel := range relationsOf[m.name] {
		types = append(types, rel.module)
		info.set(rel.label, newObj().set("name", rel.module).set("label", rel.label).set("isEntity", "1"))
	}
	return newObj().set("types", types).set("information", info), nil
}

func (s *Server) opRetrieveRelated(c *call) (any, *wsError) {
	relType, label := c.get("relatedType"), c.get("relatedLabel")
	s.mu.Lock()
	defer s.mu.Unlock()
	src, werr := s.resolveLocked(c.user, c.get("id"))
	if werr != nil {
		return nil, werr
	}
	target := s.moduleFor(c.user, relType)
	if target == nil {
		return nil, deniedName(relType)
	}
	if _, ok := findRelation(src.mod.name, label, relType); !ok {
		return nil, errRelation
	}
	ids := s.relatedLocked(src, relType)
	nums := make([]int, 0, len(ids))
	for n := range ids {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	if len(nums) > maxRows {
		nums = nums[:maxRows]
	}
	rows := make([]*obj, 0, len(nums))
	for _, n := range nums {
		rows = append(rows, s.rowFor(c.user, s.byCrm[n], false))
	}
	return rows, nil
}

var fromRe = regexp.MustCompile(`(?i)FROM\s+(\S+)`)

func (s *Server) opQueryRelated(c *call) (any, *wsError) {
	q, label := c.get("query"), c.get("relatedLabel")
	s.mu.Lock()
	defer s.mu.Unlock()
	src, werr := s.resolveLocked(c.user, c.get("id"))
	if werr != nil {
		return nil, werr
	}
	mm := fromRe.FindStringSubmatch(q)
	if mm == nil {
		return nil, errRelation
	}
	if _, ok := findRelation(src.mod.name, label, mm[1]); !ok {
		// A trailing ";" glued to the module name ("Documents;") fails here, as on the real server.
		return nil, errRelation
	}
	return s.runQuery(c.user, q+";", s.relatedLocked(src, mm[1]))
}

func (s *Server) opAddRelated(c *call) (any, *wsError) {
	label := c.get("relationIdLabel")
	s.mu.Lock()
	defer s.mu.Unlock()
	src, werr := s.resolveLocked(c.user, c.get("sourceRecordId"))
	if werr != nil {
		// vtws_add_related throws a plain Exception for a missing source.
		return nil, errInternal
	}
	dst, werr := s.resolveLocked(c.user, c.get("relatedRecordId"))
	if werr != nil {
		return nil, errInternal
	}
	if !c.user.admin {
		return nil, errWriteDenied
	}
	rel, ok := findRelation(src.mod.name, label, dst.mod.name)
	if label == "" {
		for _, r := range relationsOf[src.mod.name] {
			if r.module == dst.mod.name {
				rel, ok = r, true
				break
			}
		}
	}
	if !ok {
		return nil, errRelation
	}
	s.relateLocked(src, dst, rel.label)
	return newObj().set("message", "successfull"), nil
}

func (s *Server) opFilesRetrieve(c *call) (any, *wsError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, num, werr := s.idModuleLocked(c.user, c.get("id"))
	if werr != nil {
		return nil, werr
	}
	a := s.files[num]
	if a == nil {
		return nil, errNotFound
	}
	owner := s.byCrm[a.owner]
	if owner == nil || owner.deleted {
		return nil, errNotFound
	}
	if owner.mod != m {
		return nil, errIDIncorrect
	}
	f := newObj().set("fileid", strconv.Itoa(a.id)).set("filename", a.name).set("filetype", a.mime).
		set("filesize", len(a.content)).set("filecontents", base64.StdEncoding.EncodeToString(a.content))
	return []*obj{f}, nil
}
