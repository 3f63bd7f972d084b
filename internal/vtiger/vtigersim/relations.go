package vtigersim

// relation is one entry of vtiger_relatedlists as relatedtypes reports it.
type relation struct {
	label  string
	module string
}

// relationsOf lists a module's related lists in Vtiger 8.4's order (captured
// for HelpDesk, Contacts, Accounts and Project; the others follow the stock
// install's vtiger_relatedlists).
var relationsOf = map[string][]relation{
	"HelpDesk": {{"Activities", "Calendar"}, {"Documents", "Documents"}, {"Activity History", "Calendar"}, {"Service Contracts", "ServiceContracts"},
		{"Services", "Services"}, {"Projects", "Project"}, {"ModComments", "ModComments"}, {"Emails", "Emails"}},
	"Contacts": {{"Potentials", "Potentials"}, {"Activities", "Calendar"}, {"Emails", "Emails"}, {"HelpDesk", "HelpDesk"}, {"Quotes", "Quotes"},
		{"Purchase Order", "PurchaseOrder"}, {"Sales Order", "SalesOrder"}, {"Products", "Products"}, {"Activity History", "Calendar"},
		{"Documents", "Documents"}, {"Campaigns", "Campaigns"}, {"Invoice", "Invoice"}, {"PBXManager", "PBXManager"},
		{"Service Contracts", "ServiceContracts"}, {"Services", "Services"}, {"Projects", "Project"}, {"ModComments", "ModComments"},
		{"Assets", "Assets"}, {"Vendors", "Vendors"}},
	"Accounts": {{"Contacts", "Contacts"}, {"Potentials", "Potentials"}, {"Quotes", "Quotes"}, {"Sales Order", "SalesOrder"}, {"Invoice", "Invoice"},
		{"Activities", "Calendar"}, {"Emails", "Emails"}, {"Activity History", "Calendar"}, {"Documents", "Documents"}, {"HelpDesk", "HelpDesk"},
		{"Products", "Products"}, {"Campaigns", "Campaigns"}, {"PBXManager", "PBXManager"}, {"Service Contracts", "ServiceContracts"},
		{"Services", "Services"}, {"Projects", "Project"}, {"ModComments", "ModComments"}, {"Assets", "Assets"}},
	"Project": {{"Project Tasks", "ProjectTask"}, {"Project Milestones", "ProjectMilestone"}, {"Documents", "Documents"}, {"HelpDesk", "HelpDesk"},
		{"ModComments", "ModComments"}, {"Emails", "Emails"}, {"Activities", "Calendar"}, {"Quotes", "Quotes"}},
	"ProjectTask":      {{"Documents", "Documents"}, {"ModComments", "ModComments"}, {"Emails", "Emails"}},
	"ProjectMilestone": {{"Documents", "Documents"}},
	"Invoice":          {{"Activities", "Calendar"}, {"Documents", "Documents"}, {"Activity History", "Calendar"}, {"Emails", "Emails"}, {"ModComments", "ModComments"}},
	"Quotes": {{"Sales Order", "SalesOrder"}, {"Activities", "Calendar"}, {"Documents", "Documents"}, {"Activity History", "Calendar"},
		{"Emails", "Emails"}, {"ModComments", "ModComments"}},
	"SalesOrder": {{"Activities", "Calendar"}, {"Documents", "Documents"}, {"Invoice", "Invoice"}, {"Activity History", "Calendar"},
		{"Emails", "Emails"}, {"ModComments", "ModComments"}},
	"PurchaseOrder": {{"Activities", "Calendar"}, {"Documents", "Documents"}, {"Activity History", "Calendar"}, {"Emails", "Emails"}, {"ModComments", "ModComments"}},
	"Products": {{"HelpDesk", "HelpDesk"}, {"Documents", "Documents"}, {"Quotes", "Quotes"}, {"Purchase Order", "PurchaseOrder"},
		{"Sales Order", "SalesOrder"}, {"Invoice", "Invoice"}, {"Price Books", "PriceBooks"}, {"Leads", "Leads"}, {"Accounts", "Accounts"},
		{"Contacts", "Contacts"}, {"Potentials", "Potentials"}, {"Product Bundles", "Products"}, {"Parent Product", "Products"}, {"Assets", "Assets"}},
	"Services": {{"HelpDesk", "HelpDesk"}, {"Quotes", "Quotes"}, {"Purchase Order", "PurchaseOrder"}, {"Sales Order", "SalesOrder"},
		{"Invoice", "Invoice"}, {"Price Books", "PriceBooks"}, {"Leads", "Leads"}, {"Accounts", "Accounts"}, {"Contacts", "Contacts"},
		{"Potentials", "Potentials"}, {"Documents", "Documents"}},
	"ServiceContracts": {{"HelpDesk", "HelpDesk"}, {"Documents", "Documents"}},
	"Leads": {{"Activities", "Calendar"}, {"Emails", "Emails"}, {"Activity History", "Calendar"}, {"Documents", "Documents"},
		{"Products", "Products"}, {"Campaigns", "Campaigns"}, {"Services", "Services"}, {"ModComments", "ModComments"}},
	"Faq":    {{"Documents", "Documents"}, {"ModComments", "ModComments"}},
	"Assets": {{"HelpDesk", "HelpDesk"}, {"Documents", "Documents"}, {"ModComments", "ModComments"}},
}

func findRelation(module, label, target string) (relation, bool) {
	for _, r := range relationsOf[module] {
		if r.label == label && (target == "" || r.module == target) {
			return r, true
		}
	}
	return relation{}, false
}

// relatedLocked lists the live records of module target related to src: through an
// explicit link (either direction, as vtiger_crmentityrel/senotesrel are read both
// ways) or through a reference field of the target pointing at src (dependent lists
// such as Contacts→HelpDesk via contact_id). Sorted by crmid.
func (s *Server) relatedLocked(src *record, target string) map[int]bool {
	out := map[int]bool{}
	srcID := src.id()
	for _, l := range s.links {
		var other int
		switch {
		case l.src == src.num:
			other = l.dst
		case l.dst == src.num:
			other = l.src
		default:
			continue
		}
		if r := s.byCrm[other]; r != nil && !r.deleted && r.mod.name == target {
			out[r.num] = true
		}
	}
	for _, r := range s.byCrm {
		if r.deleted || r.mod.name != target {
			continue
		}
		for _, f := range r.mod.fields {
			if f.isRef() && f.Name != "modifiedby" && r.vals[f.Name] == srcID {
				out[r.num] = true
				break
			}
		}
	}
	return out
}
