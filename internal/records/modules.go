package records

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/domain"
)

// Visibility says how records of a module are tied to a customer.
const (
	VisibilityAccount = "account" // linked to the account or to any contact of the account
	VisibilityContact = "contact" // linked to the customer's own contact only
	VisibilityPublic  = "public"  // the catalogue: every portal user sees every record
	VisibilityParent  = "parent"  // visible through a parent record (ProjectTask → Project)
)

// Module is one portal module definition: what the engine needs to list,
// read, scope and write records of a Vtiger module.
type Module struct {
	Name        string // Vtiger module name, e.g. "HelpDesk"
	Visibility  string
	ScopeFields []string // reference fields tying a record to the account/contact (classified by describe)
	ParentField string   // VisibilityParent: reference to the parent record
	Parent      string   // VisibilityParent: parent module name
	Fixed       map[string]string
	ListFields  []string // nil = every field
	// SearchFields are matched with LIKE '%text%' (OR of fields, AND scope).
	SearchFields   []string
	DefaultSort    string   // "-ticket_no"
	WritableFields []string // fields a customer may set
	// CreateDefaults fill fields a create leaves empty (mandatory fields
	// the portal's form does not offer); the customer's value wins.
	CreateDefaults map[string]string
	Comments       bool
	Documents      bool
	LineItems      bool // inventory module: typed LineItems and a currency object
	Custom         bool // from vtiger.business.customModules: {id,label} references
	Enabled        bool
	// QueryFilters are the list filters the module reads from the query
	// string; other parameters are ignored.
	QueryFilters []QueryFilter
}

// QueryFilter maps list query parameters onto an equality filter.
type QueryFilter struct {
	Params []string // parameter names, the first one sent wins
	Field  string   // the Vtiger field compared
	Bool   bool     // the value is true/false, stored by Vtiger as "1"/"0"
}

// The built-in modules, by the portal's name for them: callers name a
// module with these, never with a Vtiger string of their own.
const (
	Tickets          = "HelpDesk"
	FAQs             = "Faq"
	Invoices         = "Invoice"
	SalesOrders      = "SalesOrder"
	Quotes           = "Quotes"
	ServiceContracts = "ServiceContracts"
	Products         = "Products"
	Services         = "Services"
	Projects         = "Project"
	Tasks            = "ProjectTask"
)

// Vtiger's "discontinued" checkbox is labelled "Product Active".
var activeFilter = QueryFilter{Params: []string{"discontinued", "filter[discontinued]"}, Field: "discontinued", Bool: true}

// filters turns the module's query parameters into field filters.
func (m *Module) filters(query map[string]string) (map[string]string, error) {
	var out map[string]string
	for _, f := range m.QueryFilters {
		v := firstSet(query, f.Params)
		if v == "" {
			continue
		}
		if f.Bool {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return nil, domain.Invalid(f.Field, "must be true or false")
			}
			v = map[bool]string{true: "1", false: "0"}[b]
		}
		if out == nil {
			out = map[string]string{}
		}
		out[f.Field] = v
	}
	return out, nil
}

func firstSet(query map[string]string, names []string) string {
	for _, n := range names {
		if v := query[n]; v != "" {
			return v
		}
	}
	return ""
}

// Writable reports whether the customer may set field.
func (m *Module) Writable(field string) bool { return slices.Contains(m.WritableFields, field) }

// builtinModules are the defaults portal.yaml can override per module.
func builtinModules() []Module {
	return []Module{
		{Name: "HelpDesk", Visibility: VisibilityAccount,
			ScopeFields:    []string{"parent_id", "contact_id"},
			SearchFields:   []string{"ticket_title", "ticket_no"},
			DefaultSort:    "-ticket_no",
			WritableFields: []string{"ticket_title", "description", "ticketpriorities", "ticketseverities", "ticketcategories"},
			QueryFilters:   []QueryFilter{{Params: []string{"ticketstatus", "status"}, Field: "ticketstatus"}},
			Comments:       true, Documents: true, Enabled: true},
		{Name: "Faq", Visibility: VisibilityPublic,
			Fixed:        map[string]string{"faqstatus": "Published"},
			SearchFields: []string{"question"}, DefaultSort: "faq_no", Enabled: true},
		{Name: "Invoice", Visibility: VisibilityAccount,
			ScopeFields:  []string{"account_id", "contact_id"},
			SearchFields: []string{"subject", "invoice_no", "invoicestatus"},
			DefaultSort:  "-invoice_no", LineItems: true, Documents: false, Enabled: true},
		{Name: "SalesOrder", Visibility: VisibilityAccount,
			ScopeFields:  []string{"account_id", "contact_id"},
			SearchFields: []string{"subject", "salesorder_no", "sostatus"},
			DefaultSort:  "-salesorder_no", LineItems: true, Enabled: true},
		{Name: "Quotes", Visibility: VisibilityAccount,
			ScopeFields:  []string{"account_id", "contact_id"},
			SearchFields: []string{"subject", "quote_no", "quotestage"},
			DefaultSort:  "-quote_no", LineItems: true, Enabled: true},
		{Name: "ServiceContracts", Visibility: VisibilityAccount,
			ScopeFields:  []string{"sc_related_to"},
			SearchFields: []string{"subject", "contract_no", "contract_type", "contract_status"},
			DefaultSort:  "-contract_no", Documents: true, Enabled: true},
		{Name: "Products", Visibility: VisibilityPublic,
			SearchFields: []string{"productname", "product_no", "productcategory"},
			DefaultSort:  "productname", QueryFilters: []QueryFilter{activeFilter}, Enabled: true},
		{Name: "Services", Visibility: VisibilityPublic,
			SearchFields: []string{"servicename", "service_no", "servicecategory"},
			DefaultSort:  "servicename", QueryFilters: []QueryFilter{activeFilter}, Enabled: true},
		{Name: "Project", Visibility: VisibilityAccount,
			ScopeFields:  []string{"linktoaccountscontacts"},
			SearchFields: []string{"projectname", "project_no", "projecttype"},
			DefaultSort:  "-project_no", Comments: true, Documents: true, Enabled: true},
		{Name: "ProjectTask", Visibility: VisibilityParent,
			ParentField: "projectid", Parent: "Project",
			SearchFields:   []string{"projecttaskname", "projecttask_no"},
			DefaultSort:    "projecttask_no",
			WritableFields: []string{"projecttaskname", "projecttasktype", "projecttaskpriority", "description", "startdate", "enddate"},
			Comments:       true, Documents: true, Enabled: true},
	}
}

// Registry holds the effective module definitions: built-ins, overridden
// by vtiger.business.modules, plus vtiger.business.customModules.
type Registry struct {
	byName map[string]*Module
	custom []string
}

// NewRegistry builds the definitions from config. Custom modules get their
// configured field list: the first field is the default sort, all are
// searchable and listed; scope fields come from modules.<M>.scopeFields or,
// when absent, from describe (references to Accounts/Contacts).
func NewRegistry(b config.Business) (*Registry, error) {
	r := &Registry{byName: map[string]*Module{}}
	for _, m := range builtinModules() {
		r.byName[m.Name] = &m
	}
	for _, name := range slices.Sorted(maps.Keys(b.CustomModules)) {
		fields := b.CustomModules[name]
		if len(fields) == 0 {
			return nil, fmt.Errorf("vtiger.business.customModules.%s: at least one field is required", name)
		}
		if _, ok := r.byName[name]; ok {
			return nil, fmt.Errorf("vtiger.business.customModules.%s: is a built-in portal module", name)
		}
		m := &Module{Name: name, Visibility: VisibilityAccount, Custom: true,
			ListFields: nil, SearchFields: slices.Clone(fields), DefaultSort: fields[0],
			WritableFields: slices.Clone(fields), Comments: false, Documents: true, Enabled: true}
		r.byName[name] = m
		r.custom = append(r.custom, name)
	}
	for name, o := range b.Modules {
		m, ok := r.byName[name]
		if !ok {
			return nil, fmt.Errorf("vtiger.business.modules.%s: unknown portal module (custom modules must be listed in customModules)", name)
		}
		if o.Enabled != nil {
			m.Enabled = *o.Enabled
		}
		switch o.Visibility {
		case "":
		case VisibilityAccount, VisibilityContact:
			if m.Visibility == VisibilityPublic || m.Visibility == VisibilityParent {
				return nil, fmt.Errorf("vtiger.business.modules.%s.visibility: %s records are %s", name, name, m.Visibility)
			}
			m.Visibility = o.Visibility
		default:
			return nil, fmt.Errorf("vtiger.business.modules.%s.visibility: must be account or contact, got %q", name, o.Visibility)
		}
		if o.ScopeFields != nil {
			m.ScopeFields = slices.Clone(o.ScopeFields)
		}
		if o.ListFields != nil {
			m.ListFields = slices.Clone(o.ListFields)
		}
		if o.SearchFields != nil {
			m.SearchFields = slices.Clone(o.SearchFields)
		}
		if o.DefaultSort != "" {
			m.DefaultSort = o.DefaultSort
		}
		if o.WritableFields != nil {
			m.WritableFields = slices.Clone(o.WritableFields)
		}
		if o.CreateDefaults != nil {
			m.CreateDefaults = maps.Clone(o.CreateDefaults)
		}
		if o.Comments != nil {
			m.Comments = *o.Comments
		}
		if o.Documents != nil {
			m.Documents = *o.Documents
		}
	}
	return r, nil
}

// ByName returns the enabled definition of a Vtiger module.
func (r *Registry) ByName(name string) (*Module, bool) {
	m, ok := r.byName[name]
	if !ok || !m.Enabled {
		return nil, false
	}
	return m, true
}

// Custom returns the enabled custom module called name (case-insensitive,
// the frontend lower-cases route segments in places).
func (r *Registry) Custom(name string) (*Module, bool) {
	for _, n := range r.custom {
		if strings.EqualFold(n, name) {
			m := r.byName[n]
			return m, m.Enabled
		}
	}
	return nil, false
}
