package vtigersim

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"maps"
	"strconv"
	"time"
)

// DemoPassword is the portal password of every demo portal user. Demo mode
// creates those users in PostgreSQL with it; the CRM itself never sees it.
const DemoPassword = "portal-demo-123"

// Demo holds the ids of the records SeedDemo created, so demo mode can
// create portal users and tests can assert on exact records instead of
// re-querying. Maps keyed by account use the keys "acme" and "globex".
type Demo struct {
	CompanyID, AdminUserID, ManagerUserID string

	Accounts    map[string]string // "acme", "globex" → account id
	Contacts    map[string]string // "anna", "carl", "ben" → contact id
	PortalUsers []DemoUser        // contacts that demo mode registers with DemoPassword

	Tickets          map[string][]string
	Invoices         map[string][]string
	SalesOrders      map[string][]string
	Quotes           map[string][]string
	Projects         map[string][]string
	ProjectTasks     map[string][]string
	ServiceContracts map[string][]string
	Assets           map[string][]string
	Documents        map[string][]string // every document with a real file that belongs to the account (ticket, contact, account, project documents)
	Comments         map[string][]string // ModComments on the account's tickets and projects
	Notifications    map[string][]string // PortalNotifications addressed to the account

	Products, Services, Faqs []string
	CurrencyID               string // EUR, used by every inventory record
	USDCurrencyID            string
	FolderID                 string // the "Default" document folder
}

// DemoUser is a contact that demo mode turns into a portal user.
type DemoUser struct {
	Email, ContactID, AccountID, FirstName, LastName string
}

// SeedDemo loads the demo data set (the DEMO DATA CONTRACT the docs and
// tests rely on) into s: the company, two users, two customer accounts
// with contacts, tickets with comments and files, inventory records with
// line items, projects with tasks, contracts, assets, products, services
// and FAQs. It is deterministic: the same calls in the same order on a
// fresh server give the same ids.
func SeedDemo(s *Server) (*Demo, error) {
	sd := newSeeder(s)
	sd.seedBase()
	if sd.err != nil {
		return nil, sd.err
	}
	return sd.d, nil
}

// SeedScaled loads the demo data set and then, per account, extra tickets
// (each with two comments) and extra invoices (each with two line items),
// for benchmarks that need realistic volumes. It inserts directly into the
// store, so thousands of records take milliseconds.
func SeedScaled(s *Server, ticketsPerAccount, invoicesPerAccount int) (*Demo, error) {
	if ticketsPerAccount < 0 || invoicesPerAccount < 0 {
		return nil, fmt.Errorf("vtigersim: seed scaled: negative count (%d tickets, %d invoices)", ticketsPerAccount, invoicesPerAccount)
	}
	sd := newSeeder(s)
	sd.seedBase()
	for _, acc := range sd.accounts {
		for i := 0; i < ticketsPerAccount && sd.err == nil; i++ {
			sd.scaledTicket(acc, i)
		}
		for i := 0; i < invoicesPerAccount && sd.err == nil; i++ {
			sd.scaledInvoice(acc, i)
		}
	}
	if sd.err != nil {
		return nil, sd.err
	}
	return sd.d, nil
}

// seeder keeps the first error and turns every later step into a no-op,
// which keeps the long, linear seeding script readable.
type seeder struct {
	s   *Server
	d   *Demo
	err error
	n   int // monotonic clock tick for createdtime/modifiedtime

	accounts []*demoAccount
	products []demoProduct // products then services, for line items
}

type demoAccount struct {
	key       string
	id        string
	name      string
	street    string
	city      string
	state     string
	pobox     string
	code      string
	country   string
	contact   string // main contact (portal user)
	colleague string // second contact of the account ("" when none)
	contacts  []string
	office    string // used in ticket descriptions
}

type demoProduct struct {
	id, name, module string
	price            float64
}

// seedEpoch is the first timestamp of the demo data; records follow it
// in creation order, a few hours apart, like a CRM that has been in use
// for some weeks.
var seedEpoch = time.Date(2026, 1, 5, 8, 30, 0, 0, time.UTC)

func newSeeder(s *Server) *seeder {
	return &seeder{s: s, d: &Demo{
		Accounts:         map[string]string{},
		Contacts:         map[string]string{},
		Tickets:          map[string][]string{},
		Invoices:         map[string][]string{},
		SalesOrders:      map[string][]string{},
		Quotes:           map[string][]string{},
		Projects:         map[string][]string{},
		ProjectTasks:     map[string][]string{},
		ServiceContracts: map[string][]string{},
		Assets:           map[string][]string{},
		Documents:        map[string][]string{},
		Comments:         map[string][]string{},
		Notifications:    map[string][]string{},
	}}
}

// tick returns the next creation timestamp; step is in hours.
func (sd *seeder) tick(stepHours int) time.Time {
	sd.n += stepHours
	return seedEpoch.Add(time.Duration(sd.n) * time.Hour)
}

func datetime(t time.Time) string { return t.Format("2006-01-02 15:04:05") }
func date(t time.Time) string     { return t.Format("2006-01-02") }
func money(v float64) string      { return strconv.FormatFloat(v, 'f', 8, 64) }
func qty(v float64) string        { return strconv.FormatFloat(v, 'f', 3, 64) }

// plainModules have no created/modified times and no source. (Owners are not defaulted
// here: the store assigns 19x1 like a webservice create by admin.)
var plainModules = map[string]bool{"CompanyDetails": true, "Currency": true, "DocumentFolders": true, "Users": true, "Groups": true, "Tax": true}

func (sd *seeder) insert(module string, f map[string]string) string {
	if sd.err != nil {
		return ""
	}
	if !plainModules[module] {
		if _, ok := f["createdtime"]; !ok {
			t := datetime(sd.tick(2))
			f["createdtime"], f["modifiedtime"] = t, t
		}
		if _, ok := f["source"]; !ok {
			f["source"] = "CRM" // entered by staff in the CRM, not through webservice
		}
	}
	id, err := sd.s.Insert(module, f)
	if err != nil {
		sd.err = fmt.Errorf("vtigersim: seed insert %s: %w", module, err)
		return ""
	}
	return id
}

func (sd *seeder) set(id string, f map[string]string) {
	if sd.err != nil {
		return
	}
	if err := sd.s.Set(id, f); err != nil {
		sd.err = fmt.Errorf("vtigersim: seed set %s: %w", id, err)
	}
}

func (sd *seeder) relate(src, rel, label string) {
	if sd.err != nil {
		return
	}
	if err := sd.s.Relate(src, rel, label); err != nil {
		sd.err = fmt.Errorf("vtigersim: seed relate %s→%s (%s): %w", src, rel, label, err)
	}
}

func (sd *seeder) lineItems(id string, items []map[string]string) {
	if sd.err != nil {
		return
	}
	if err := sd.s.SetLineItems(id, items); err != nil {
		sd.err = fmt.Errorf("vtigersim: seed line items of %s: %w", id, err)
	}
}

func (sd *seeder) seedBase() {
	sd.seedUsers()
	sd.seedCompany()
	sd.seedCatalogue()
	sd.seedFaqs()
	sd.seedAccounts()
	for _, acc := range sd.accounts {
		sd.seedTickets(acc)
		sd.seedInventory(acc)
		sd.seedProjects(acc)
		sd.seedContractsAndAssets(acc)
		sd.seedCustomerDocuments(acc)
		sd.seedNotifications(acc)
	}
}

// seedUsers adds the support manager most records are assigned to. The
// admin (19x1, Vtiger's first user) is created by New.
func (sd *seeder) seedUsers() {
	sd.d.AdminUserID = "19x1"
	sd.d.ManagerUserID = sd.insert("Users", map[string]string{
		"user_name":                   "maria.keller",
		"first_name":                  "Maria",
		"last_name":                   "Keller",
		"title":                       "Customer Support Manager",
		"department":                  "Customer Support",
		"email1":                      "maria.keller@demo-vtiger.example",
		"email2":                      "support@demo-vtiger.example",
		"phone_work":                  "+49 30 5550 1020",
		"phone_mobile":                "+49 170 5550 1020",
		"is_admin":                    "off",
		"roleid":                      "H3",
		"status":                      "Active",
		"date_format":                 "yyyy-mm-dd",
		"hour_format":                 "24",
		"time_zone":                   "Europe/Berlin",
		"language":                    "en_us",
		"reports_to_id":               "19x1",
		"userlabel":                   "Maria Keller",
		"currency_id":                 "21x1",
		"activity_view":               "This Week",
		"start_hour":                  "08:00",
		"end_hour":                    "18:00",
		"dayoftheweek":                "Monday",
		"no_of_currency_decimals":     "2",
		"currency_grouping_pattern":   "123,456,789",
		"currency_decimal_separator":  ".",
		"currency_grouping_separator": ",",
		"currency_symbol_placement":   "1.0$",
		"signature":                   "Maria Keller\nCustomer Support Manager, Demo Vtiger Company",
	})
}

// seedCompany turns the rows every fresh install has (base currency 21x1,
// folder "Default" 22x1, CompanyDetails 23x1, created by New) into the demo
// company's, and adds USD as a second currency. Updating instead of
// inserting keeps the singletons single, as in a real CRM.
func (sd *seeder) seedCompany() {
	sd.d.CompanyID = sd.upsert("CompanyDetails", "23x1", map[string]string{
		"organizationname": "Demo Vtiger Company",
		"address":          "Friedrichstraße 120",
		"city":             "Berlin",
		"state":            "Berlin",
		"country":          "Germany",
		"code":             "10117",
		"phone":            "+49 30 5550 1000",
		"fax":              "+49 30 5550 1099",
		"website":          "https://www.demo-vtiger.example",
		"logoname":         "",
		"logo":             "",
		"vatid":            "DE298765432",
	})
	sd.d.CurrencyID = sd.upsert("Currency", "21x1", map[string]string{
		"currency_name":   "Euro",
		"currency_code":   "EUR",
		"currency_symbol": "€",
		"conversion_rate": "1.00000",
		"currency_status": "Active",
		"defaultid":       "-11",
		"deleted":         "0",
	})
	sd.d.USDCurrencyID = sd.insert("Currency", map[string]string{
		"currency_name":   "USA, Dollars",
		"currency_code":   "USD",
		"currency_symbol": "$",
		"conversion_rate": "1.08000",
		"currency_status": "Active",
		"defaultid":       "0",
		"deleted":         "0",
	})
	sd.d.FolderID = sd.upsert("DocumentFolders", "22x1", map[string]string{
		"foldername":  "Default",
		"description": "This is a Default Folder",
		"createdby":   sd.d.AdminUserID,
		"sequence":    "1",
	})
}

// upsert overwrites the record id when New created it, else inserts one.
func (sd *seeder) upsert(module, id string, f map[string]string) string {
	if sd.err != nil {
		return ""
	}
	if _, ok := sd.s.Get(id); ok {
		sd.set(id, f)
		return id
	}
	return sd.insert(module, f)
}

func (sd *seeder) seedCatalogue() {
	products := []struct {
		name, code, category, unit string
		price, stock               float64
		desc                       string
	}{
		{"LaserJet Pro M404 Printer", "LJ-M404", "Hardware", "Each", 349, 24, "Monochrome A4 laser printer, 38 pages per minute, duplex, Gigabit Ethernet."},
		{"Toner Cartridge 59A", "TN-59A", "Hardware", "Each", 89.9, 180, "Original black toner cartridge for LaserJet Pro M404, about 3,000 pages."},
		{"24-Port Gigabit Switch", "SW-24G", "Hardware", "Each", 229, 12, "Managed layer 2 switch with 24 Gigabit ports and 4 SFP uplinks."},
		{"Office Suite Licence (annual)", "OS-LIC-1Y", "Software", "Each", 120, 0, "One named-user licence for the office suite, billed yearly."},
	}
	for _, p := range products {
		id := sd.insert("Products", map[string]string{
			"productname":      p.name,
			"productcode":      p.code,
			"discontinued":     "1",
			"productcategory":  p.category,
			"usageunit":        p.unit,
			"unit_price":       money(p.price),
			"qtyinstock":       qty(p.stock),
			"qty_per_unit":     "1.00",
			"commissionrate":   "0.000",
			"purchase_cost":    money(p.price * 0.6),
			"sales_start_date": "2025-06-01",
			"currency1":        money(p.price),
			"description":      p.desc,
		})
		sd.d.Products = append(sd.d.Products, id)
		sd.products = append(sd.products, demoProduct{id: id, name: p.name, module: "Products", price: p.price})
	}
	services := []struct {
		name, category, unit string
		price                float64
		desc                 string
	}{
		{"On-site Support Hour", "Support", "Hours", 85, "One hour of on-site support by a certified technician."},
		{"Remote Maintenance (monthly)", "Support", "Incidents", 150, "Monthly remote monitoring, patching and up to five remote incidents."},
		{"Network Installation Package", "Installation", "Days", 450, "One day of network cabling, switch configuration and documentation."},
	}
	for _, sv := range services {
		id := sd.insert("Services", map[string]string{
			"servicename":       sv.name,
			"discontinued":      "1",
			"servicecategory":   sv.category,
			"service_usageunit": sv.unit,
			"unit_price":        money(sv.price),
			"qty_per_unit":      "1.00",
			"commissionrate":    "0.000",
			"purchase_cost":     money(0),
			"sales_start_date":  "2025-06-01",
			"currency1":         money(sv.price),
			"description":       sv.desc,
		})
		sd.d.Services = append(sd.d.Services, id)
		sd.products = append(sd.products, demoProduct{id: id, name: sv.name, module: "Services", price: sv.price})
	}
}

func (sd *seeder) seedFaqs() {
	faqs := []struct {
		q, a, status, starred string
		product               int // index into products, -1 for none
	}{
		{"How do I reset my portal password?", "Click \"Forgot password\" on the login page and enter your e-mail address. You will receive a link that is valid for one hour.", "Published", "1", -1},
		{"How can I see the status of my tickets?", "Open Tickets in the portal. Every ticket shows its status: Open, In Progress, Wait For Response (we need an answer from you) or Closed.", "Published", "1", -1},
		{"Which toner does the LaserJet Pro M404 use?", "It uses the original Toner Cartridge 59A. You can order it from your account manager or through a ticket.", "Published", "0", 1},
		{"How do I enable two-factor authentication?", "Go to Profile → Security, scan the QR code with an authenticator app and confirm with the six-digit code.", "Published", "0", -1},
		{"What are your support hours?", "Our support desk is staffed Monday to Friday, 08:00 to 18:00 CET. Urgent tickets under a service contract are handled around the clock.", "Published", "1", -1},
		{"How do I download an invoice as PDF?", "Open Invoices, select the invoice and click Download. Paid and unpaid invoices are both available.", "Published", "0", -1},
		{"Firmware update procedure for the 24-Port Gigabit Switch", "Draft: the procedure is being reviewed by the network team.", "Draft", "0", 2},
	}
	for _, f := range faqs {
		fields := map[string]string{
			"question":      f.q,
			"faq_answer":    f.a,
			"faqstatus":     f.status,
			"faqcategories": "General",
			"starred":       f.starred,
		}
		if f.product >= 0 {
			fields["product_id"] = sd.products[f.product].id
		}
		sd.d.Faqs = append(sd.d.Faqs, sd.insert("Faq", fields))
	}
	sd.seedKnowledgeBase()
}

// knowledgeBaseFAQs is how many generated knowledge-base FAQs the demo
// holds: more than one Vtiger page (100 rows), so a CSV export of /faqs
// pages through Vtiger's limit in demo mode.
const knowledgeBaseFAQs = 120

// seedKnowledgeBase adds the generated knowledge-base articles, all
// published and unstarred; one question starts with "+", as phone
// numbers do, which a spreadsheet would read as a formula.
func (sd *seeder) seedKnowledgeBase() {
	topics := []struct{ category, subject string }{
		{"General", "the customer portal"}, {"Hardware", "printers"}, {"Network", "the VPN"},
		{"Software", "the office suite"}, {"Hardware", "docking stations"}, {"Network", "Wi-Fi access points"},
	}
	questions := []string{
		"How do I report a problem with %s?", "Who maintains %s?", "Where do I find the manual for %s?",
		"What does the warranty for %s cover?",
	}
	for i := 0; i < knowledgeBaseFAQs; i++ {
		t := topics[i%len(topics)]
		q := fmt.Sprintf(questions[(i/len(topics))%len(questions)], t.subject) + fmt.Sprintf(" (article %d)", i+1)
		if i == 0 {
			q = "+44 or +49: which support number do I call from abroad?"
		}
		sd.d.Faqs = append(sd.d.Faqs, sd.insert("Faq", map[string]string{
			"question":      q,
			"faq_answer":    fmt.Sprintf("Knowledge-base article %d about %s. Open a ticket if it does not answer your question.", i+1, t.subject),
			"faqstatus":     "Published",
			"faqcategories": t.category,
			"starred":       "0",
		}))
	}
}

func (sd *seeder) seedAccounts() {
	acme := &demoAccount{key: "acme", name: "Acme Ltd", street: "27 Old Gloucester Street", city: "London", state: "Greater London", pobox: "PO Box 1207", code: "WC1N 3AX", country: "United Kingdom", office: "our London office"}
	globex := &demoAccount{key: "globex", name: "Globex GmbH", street: "Leopoldstraße 44", city: "Munich", state: "Bavaria", pobox: "Postfach 40 12", code: "80802", country: "Germany", office: "the Munich headquarters"}
	// account inserts acc with its own figures in f; name, addresses (billing
	// and shipping alike) and the defaults come from acc and the seed.
	account := func(acc *demoAccount, f map[string]string) string {
		maps.Copy(f, map[string]string{
			"accountname": acc.name, "bill_street": acc.street, "bill_city": acc.city, "bill_code": acc.code,
			"bill_country": acc.country, "ship_street": acc.street, "ship_city": acc.city, "ship_code": acc.code,
			"ship_country": acc.country, "emailoptout": "0", "notify_owner": "0", "assigned_user_id": sd.d.ManagerUserID,
		})
		return sd.insert("Accounts", f)
	}
	acme.id = account(acme, map[string]string{
		"phone": "+44 20 7946 0100", "website": "https://acme.example", "email1": "office@acme.example",
		"employees": "85", "industry": "Manufacturing", "accounttype": "Customer", "annual_revenue": money(12500000),
		"description": "Long-standing hardware and support customer.",
	})
	globex.id = account(globex, map[string]string{
		"phone": "+49 89 5550 4400", "website": "https://globex.example", "email1": "info@globex.example",
		"employees": "240", "industry": "Technology", "accounttype": "Customer", "annual_revenue": money(48000000),
		"description": "Network and managed-services customer since 2025.",
	})
	sd.d.Accounts["acme"], sd.d.Accounts["globex"] = acme.id, globex.id

	// Every profile field the stock frontend's profile form validates is
	// filled (description ≥ 5 characters, zip ≥ 4, …), so a demo user can
	// save the form without typing anything first.
	contact := func(acc *demoAccount, first, last, email, title, phone, portal, code, desc string) string {
		return sd.insert("Contacts", map[string]string{
			"salutationtype": "", "firstname": first, "lastname": last, "email": email,
			"account_id": acc.id, "title": title, "phone": phone, "department": "IT", "description": desc,
			"mailingstreet": acc.street, "mailingcity": acc.city, "mailingzip": acc.code, "mailingcountry": acc.country,
			"mailingstate": acc.state, "mailingpobox": acc.pobox,
			"otherstreet": acc.street, "othercity": acc.city, "otherzip": acc.code, "othercountry": acc.country,
			"otherstate": acc.state, "otherpobox": acc.pobox,
			"portal": portal, "code": code, "support_start_date": "2026-01-01", "support_end_date": "2026-12-31",
			"emailoptout": "0", "donotcall": "0", "notify_owner": "0", "reference": "0",
			"leadsource": "Existing Customer", "assigned_user_id": sd.d.ManagerUserID,
		})
	}
	anna := contact(acme, "Anna", "Becker", "anna@acme.example", "IT Manager", "+44 20 7946 0111", "1", "",
		"Runs IT for the London office; main contact for support tickets and invoices.")
	carl := contact(acme, "Carl", "Jensen", "carl@acme.example", "Office Manager", "+44 20 7946 0122", "1", "CODE42",
		"Office manager; orders printers, toner and licences.")
	ben := contact(globex, "Ben", "Fischer", "ben@globex.example", "Head of IT", "+49 89 5550 4411", "1", "",
		"Head of IT at the Munich headquarters; approves network projects.")
	sd.d.Contacts["anna"], sd.d.Contacts["carl"], sd.d.Contacts["ben"] = anna, carl, ben
	acme.contact, acme.colleague, acme.contacts = anna, carl, []string{anna, carl}
	globex.contact, globex.contacts = ben, []string{ben}
	sd.d.PortalUsers = []DemoUser{
		{Email: "anna@acme.example", ContactID: anna, AccountID: acme.id, FirstName: "Anna", LastName: "Becker"},
		{Email: "ben@globex.example", ContactID: ben, AccountID: globex.id, FirstName: "Ben", LastName: "Fischer"},
	}
	sd.accounts = []*demoAccount{acme, globex}
}

type ticketDef struct {
	title, desc, status, priority, severity, category, solution string
	hours, days                                                 float64
	contactOnly, byColleague, fromPortal                        bool
	comments                                                    []commentDef
}

type commentDef struct {
	byCustomer, private bool
	text                string
}

var demoTickets = []ticketDef{
	{title: "Printer on the second floor reports a paper jam", desc: "The LaserJet on the second floor at %s shows \"paper jam in tray 2\" although the tray is empty. Nobody on the floor can print.",
		status: "Open", priority: "High", severity: "Major", category: "Small Problem", hours: 0.5, fromPortal: true,
		comments: []commentDef{{byCustomer: true, text: "We removed tray 2 and cleaned the rollers, the error is still there."}, {text: "Thank you. A technician will come by tomorrow morning with a replacement pickup roller."}}},
	{title: "VPN connection drops every 30 minutes", desc: "Since Monday the VPN at %s disconnects roughly every 30 minutes and users have to log in again.",
		status: "In Progress", priority: "Urgent", severity: "Critical", category: "Big Problem", hours: 6.5, days: 1,
		comments: []commentDef{{byCustomer: true, text: "It happens to everyone working from home, not only on laptops."}, {text: "We found a rekeying mismatch on the firewall and are testing a fix."}, {private: true, text: "Internal: firewall firmware 7.2.4 has a known IKE rekey bug, schedule an upgrade window with the customer."}}},
	{title: "Request for five additional office suite licences", desc: "Five new colleagues start at %s next month and need office suite licences.",
		status: "Wait For Response", priority: "Normal", severity: "Feature", category: "Other Problem", hours: 0.25, byColleague: true, fromPortal: true,
		comments: []commentDef{{text: "Could you send us the names and e-mail addresses of the new users?"}}},
	{title: "Wrong billing address on the last invoice", desc: "The last invoice for %s shows our old street address. Please correct it for future invoices.",
		status: "Closed", priority: "Low", severity: "Minor", category: "Other Problem", solution: "The billing address was updated in the CRM; future invoices use the new address.", hours: 0.25,
		comments: []commentDef{{byCustomer: true, text: "Please also send us a corrected copy of the invoice."}, {text: "Done, the corrected invoice is attached to your account."}}},
	{title: "E-mail does not sync on mobile phones", desc: "Several phones at %s stopped syncing e-mail after the password change.",
		status: "Open", priority: "Normal", severity: "Major", category: "Small Problem", hours: 1, fromPortal: true,
		comments: []commentDef{{byCustomer: true, text: "Affected are mostly Android phones."}}},
	{title: "Switch port 14 does not respond", desc: "Port 14 on the core switch at %s has no link; the meeting-room phone is offline.",
		status: "In Progress", priority: "High", severity: "Major", category: "Big Problem", hours: 2, byColleague: true,
		comments: []commentDef{{text: "We disabled and re-enabled the port remotely; the cable will be tested on site."}}},
	{title: "Password reset for the shared support mailbox", desc: "Please reset the password of the shared support mailbox at %s.",
		status: "Closed", priority: "Low", severity: "Minor", category: "Small Problem", solution: "Password reset and sent to the IT manager by SMS.", hours: 0.25},
	{title: "File server is slow in the afternoon", desc: "Opening files on the file server at %s takes more than a minute between 14:00 and 17:00.",
		status: "Wait For Response", priority: "High", severity: "Major", category: "Big Problem", hours: 3, days: 0.5,
		comments: []commentDef{{text: "Could you tell us whether the backup job still starts at 14:00?"}}},
	{title: "Toner delivery incomplete", desc: "We ordered ten toner cartridges for %s but received only six.",
		status: "Closed", priority: "Normal", severity: "Minor", category: "Other Problem", solution: "The remaining four cartridges were shipped on 20 January.", hours: 0.5},
	{title: "Feature request: monthly ticket report", desc: "Management at %s would like a monthly summary of all tickets by e-mail.",
		status: "Open", priority: "Low", severity: "Feature", category: "Other Problem", contactOnly: true, fromPortal: true},
	{title: "Docking station does not detect external monitors", desc: "Two laptops at %s no longer show anything on the external monitors when docked.",
		status: "In Progress", priority: "Normal", severity: "Minor", category: "Small Problem", hours: 1.5, contactOnly: true,
		comments: []commentDef{{byCustomer: true, text: "A firmware update of the dock did not help."}, {text: "Please try the new graphics driver we sent you; if that fails we will replace the docks."}}},
	{title: "Backup job finished with warnings", desc: "Last night's backup at %s finished with 14 warnings about skipped files.",
		status: "Open", priority: "Urgent", severity: "Critical", category: "Big Problem", hours: 0.75},
}

func (sd *seeder) seedTickets(acc *demoAccount) {
	for i, t := range demoTickets {
		contact := acc.contact
		if t.byColleague && acc.colleague != "" {
			contact = acc.colleague
		}
		parent := acc.id
		if t.contactOnly {
			parent = ""
		}
		assignee := sd.d.ManagerUserID
		if i%4 == 3 {
			assignee = sd.d.AdminUserID
		}
		created := sd.tick(5)
		fields := map[string]string{
			"ticket_title":     t.title,
			"description":      fmt.Sprintf(t.desc, acc.office),
			"ticketstatus":     t.status,
			"ticketpriorities": t.priority,
			"ticketseverities": t.severity,
			"ticketcategories": t.category,
			"hours":            money(t.hours),
			"days":             money(t.days),
			"parent_id":        parent,
			"contact_id":       contact,
			"solution":         t.solution,
			"from_portal":      boolStr(t.fromPortal),
			"assigned_user_id": assignee,
			"createdtime":      datetime(created),
			"modifiedtime":     datetime(created.Add(time.Duration(len(t.comments)+1) * time.Hour)),
		}
		switch i {
		case 0:
			fields["product_id"] = sd.products[0].id
		case 8:
			fields["product_id"] = sd.products[1].id
		}
		id := sd.insert("HelpDesk", fields)
		sd.d.Tickets[acc.key] = append(sd.d.Tickets[acc.key], id)
		for j, c := range t.comments {
			sd.comment(acc, id, contact, c, created.Add(time.Duration(j+1)*time.Hour))
		}
		switch i {
		case 0:
			sd.document(acc, []string{id}, "Error message photo", "paper-jam.png", "image/png", demoPNG(), "Photo of the printer display.")
		case 1:
			sd.document(acc, []string{id}, "VPN client log", "vpn-client.log", "text/plain",
				[]byte("2026-01-12 09:14:02 IKE SA established\n2026-01-12 09:44:05 IKE rekey failed: no proposal chosen\n2026-01-12 09:44:05 tunnel down\n"),
				"Client log exported by the customer.")
		}
	}
}

func (sd *seeder) comment(acc *demoAccount, relatedTo, contact string, c commentDef, at time.Time) {
	fields := map[string]string{
		"commentcontent":   c.text,
		"related_to":       relatedTo,
		"is_private":       boolStr(c.private),
		"createdtime":      datetime(at),
		"modifiedtime":     datetime(at),
		"related_email_id": "0",
	}
	if c.byCustomer {
		// A portal comment is stored with the portal's CRM user as creator
		// and the contact in `customer`, exactly as Customer Portal does.
		fields["customer"] = contact
		fields["creator"] = sd.d.AdminUserID
		fields["assigned_user_id"] = sd.d.AdminUserID
	} else {
		fields["creator"] = sd.d.ManagerUserID
		fields["assigned_user_id"] = sd.d.ManagerUserID
	}
	id := sd.insert("ModComments", fields)
	sd.relate(relatedTo, id, "ModComments")
	sd.d.Comments[acc.key] = append(sd.d.Comments[acc.key], id)
}

// document creates a Document with a real file, attaches the file and
// relates the document to every parent (tickets, contacts, accounts,
// projects, tasks all use the relation label "Documents").
func (sd *seeder) document(acc *demoAccount, parents []string, title, filename, mime string, content []byte, note string) string {
	id := sd.insert("Documents", map[string]string{
		"notes_title":      title,
		"filename":         filename,
		"filetype":         mime,
		"filesize":         strconv.Itoa(len(content)),
		"filelocationtype": "I",
		"filestatus":       "1",
		"fileversion":      "1",
		"folderid":         sd.d.FolderID,
		"notecontent":      note,
		"assigned_user_id": sd.d.ManagerUserID,
	})
	if sd.err == nil {
		if _, err := sd.s.AttachFile(id, filename, mime, content); err != nil {
			sd.err = fmt.Errorf("vtigersim: seed attach %s to %s: %w", filename, id, err)
		}
	}
	for _, p := range parents {
		sd.relate(p, id, "Documents")
	}
	sd.d.Documents[acc.key] = append(sd.d.Documents[acc.key], id)
	return id
}

type lineDef struct {
	product int // index into sd.products
	qty     float64
	comment string
}

// inventory inserts an Invoice, SalesOrder or Quote with its line items and
// totals computed the way Vtiger stores them (group tax at 0 %, so
// subtotal = pre-tax total = grand total).
func (sd *seeder) inventory(module string, acc *demoAccount, fields map[string]string, lines []lineDef) string {
	var total float64
	items := make([]map[string]string, 0, len(lines))
	for i, l := range lines {
		p := sd.products[l.product]
		total += p.price * l.qty
		items = append(items, map[string]string{
			"productid":        p.id,
			"sequence_no":      strconv.Itoa(i + 1),
			"quantity":         qty(l.qty),
			"listprice":        money(p.price),
			"discount_percent": "",
			"discount_amount":  "",
			"comment":          l.comment,
			"tax1":             "0.000",
			"tax2":             "0.000",
			"tax3":             "0.000",
			"purchase_cost":    money(0),
			"margin":           money(0),
		})
	}
	fields["account_id"] = acc.id
	fields["contact_id"] = acc.contact
	fields["currency_id"] = sd.d.CurrencyID
	fields["conversion_rate"] = "1.000"
	fields["hdnTaxType"] = "group"
	fields["hdnSubTotal"] = money(total)
	fields["pre_tax_total"] = money(total)
	fields["hdnGrandTotal"] = money(total)
	fields["txtAdjustment"] = money(0)
	fields["hdnS_H_Amount"] = money(0)
	fields["hdnDiscountAmount"] = ""
	fields["hdnDiscountPercent"] = ""
	fields["bill_street"], fields["ship_street"] = acc.street, acc.street
	fields["bill_city"], fields["ship_city"] = acc.city, acc.city
	fields["bill_code"], fields["ship_code"] = acc.code, acc.code
	fields["bill_country"], fields["ship_country"] = acc.country, acc.country
	fields["productid"] = sd.products[lines[0].product].id
	fields["assigned_user_id"] = sd.d.ManagerUserID
	if module == "Invoice" {
		if fields["invoicestatus"] == "Paid" {
			fields["received"], fields["balance"] = money(total), money(0)
		} else {
			fields["received"], fields["balance"] = money(0), money(total)
		}
	}
	id := sd.insert(module, fields)
	sd.lineItems(id, items)
	return id
}

func (sd *seeder) seedInventory(acc *demoAccount) {
	type inv struct {
		subject, status, date, due string
		lines                      []lineDef
	}
	invoices := []inv{
		{"Printer fleet and installation", "Paid", "2026-01-08", "2026-02-07", []lineDef{{0, 2, "Second floor and reception"}, {4, 3, "Installation"}}},
		{"Toner cartridges Q1", "Paid", "2026-01-20", "2026-02-19", []lineDef{{1, 10, ""}}},
		{"Remote maintenance January", "Paid", "2026-02-01", "2026-03-03", []lineDef{{5, 1, "January 2026"}, {4, 2, "On-site visit 14 January"}}},
		{"Network upgrade, first phase", "Sent", "2026-02-10", "2026-03-12", []lineDef{{2, 2, ""}, {6, 1, "Cabling and configuration"}, {3, 5, "New starters"}}},
	}
	if acc.key == "globex" {
		invoices[3].status = "Created"
		invoices = invoices[1:]
	}
	for _, in := range invoices {
		id := sd.inventory("Invoice", acc, map[string]string{
			"subject": in.subject, "invoicestatus": in.status, "invoicedate": in.date, "duedate": in.due,
			"customerno": "CUST-" + acc.key, "terms_conditions": "Payable within 30 days of the invoice date.",
		}, in.lines)
		sd.d.Invoices[acc.key] = append(sd.d.Invoices[acc.key], id)
	}
	orders := []struct {
		subject, status string
		lines           []lineDef
	}{
		{"Printer fleet order", "Delivered", []lineDef{{0, 2, ""}, {1, 4, "Starter stock"}}},
		{"Network upgrade order", "Approved", []lineDef{{2, 2, ""}, {6, 1, ""}}},
	}
	for _, o := range orders {
		id := sd.inventory("SalesOrder", acc, map[string]string{
			"subject": o.subject, "sostatus": o.status, "invoicestatus": "Created", "duedate": "2026-03-31",
			"customerno": "CUST-" + acc.key, "carrier": "DHL",
		}, o.lines)
		sd.d.SalesOrders[acc.key] = append(sd.d.SalesOrders[acc.key], id)
	}
	quotes := []struct {
		subject, stage, valid string
		lines                 []lineDef
	}{
		{"Managed services for 2026", "Delivered", "2026-03-31", []lineDef{{5, 12, "12 months"}, {4, 10, "Prepaid hours"}}},
		{"Replacement of docking stations", "Accepted", "2026-02-28", []lineDef{{2, 1, ""}}},
		// Open and valid for two more months whenever the demo starts, so
		// POST /quotes/{id}/accept works in demo mode; the first quote is
		// open but past its validtill, the second decided already.
		{"Support renewal " + strconv.Itoa(time.Now().Year()+1), "Reviewed", time.Now().UTC().AddDate(0, 2, 0).Format("2006-01-02"),
			[]lineDef{{5, 12, "12 months from renewal"}}},
	}
	for _, q := range quotes {
		id := sd.inventory("Quotes", acc, map[string]string{
			"subject": q.subject, "quotestage": q.stage, "validtill": q.valid, "carrier": "UPS",
		}, q.lines)
		sd.d.Quotes[acc.key] = append(sd.d.Quotes[acc.key], id)
	}
}

func (sd *seeder) seedProjects(acc *demoAccount) {
	type task struct {
		name, status, priority, progress, hours, typ string
	}
	projects := []struct {
		name, status, priority, progress, start, end string
		tasks                                        []task
	}{
		{"Office network upgrade", "in progress", "high", "40%", "2026-01-15", "2026-04-30", []task{
			{"Site survey and cabling plan", "Completed", "high", "100%", "8", "administrative"},
			{"Install core switches", "In Progress", "high", "50%", "16", "operative"},
			{"Migrate VLANs and firewall rules", "Open", "normal", "10%", "12", "operative"},
			{"Wi-Fi access point rollout", "Deferred", "low", "10%", "10", "operative"},
			{"Handover documentation", "Open", "normal", "10%", "4", "other"},
		}},
		{"Printer fleet replacement", "completed", "normal", "100%", "2025-11-03", "2025-12-19", []task{
			{"Order printers", "Completed", "normal", "100%", "2", "administrative"},
			{"Install and test printers", "Completed", "normal", "100%", "6", "operative"},
		}},
	}
	for pi, p := range projects {
		pid := sd.insert("Project", map[string]string{
			"projectname": p.name, "projectstatus": p.status, "projectpriority": p.priority, "progress": p.progress,
			"projecttype": "operative", "startdate": p.start, "targetenddate": p.end, "linktoaccountscontacts": acc.id,
			"targetbudget": "15000", "assigned_user_id": sd.d.ManagerUserID,
			"description": fmt.Sprintf("%s for %s.", p.name, acc.name),
		})
		sd.d.Projects[acc.key] = append(sd.d.Projects[acc.key], pid)
		for ti, t := range p.tasks {
			tid := sd.insert("ProjectTask", map[string]string{
				"projecttaskname": t.name, "projecttaskstatus": t.status, "projecttaskpriority": t.priority,
				"projecttaskprogress": t.progress, "projecttaskhours": t.hours, "projecttasktype": t.typ,
				"projectid": pid, "projecttasknumber": strconv.Itoa(ti + 1), "startdate": p.start, "enddate": p.end,
				"assigned_user_id": sd.d.ManagerUserID,
			})
			sd.relate(pid, tid, "Project Tasks")
			sd.d.ProjectTasks[acc.key] = append(sd.d.ProjectTasks[acc.key], tid)
			if pi == 0 && ti == 0 {
				sd.document(acc, []string{tid}, "Cabling plan", "cabling-plan.txt", "text/plain",
					[]byte("Cabling plan\n\nFloor 1: 24 ports, patch panel A\nFloor 2: 16 ports, patch panel B\n"), "Approved cabling plan.")
			}
		}
		mid := sd.insert("ProjectMilestone", map[string]string{
			"projectmilestonename": "Go-live", "projectmilestonedate": p.end, "projectid": pid,
			"projectmilestonetype": "operative", "assigned_user_id": sd.d.ManagerUserID,
		})
		sd.relate(pid, mid, "Project Milestones")
		if pi == 0 {
			sd.document(acc, []string{pid}, "Project plan", "project-plan.txt", "text/plain",
				[]byte(fmt.Sprintf("Project plan: %s for %s\n\n1. Survey\n2. Switches\n3. VLANs\n4. Wi-Fi\n5. Handover\n", p.name, acc.name)), "Current project plan.")
			sd.comment(acc, pid, acc.contact, commentDef{byCustomer: true, text: "Can the switch installation happen on a Saturday?"}, sd.tick(1))
			sd.comment(acc, pid, acc.contact, commentDef{text: "Yes, we have booked Saturday 7 March from 09:00."}, sd.tick(1))
		}
	}
}

func (sd *seeder) seedContractsAndAssets(acc *demoAccount) {
	id := sd.insert("ServiceContracts", map[string]string{
		"subject": "Premium support 2026", "sc_related_to": acc.id, "contract_type": "Support", "contract_status": "In Progress",
		"contract_priority": "High", "tracking_unit": "Hours", "total_units": "40.00", "used_units": "12.50",
		"start_date": "2026-01-01", "due_date": "2026-12-31", "assigned_user_id": sd.d.ManagerUserID,
	})
	sd.d.ServiceContracts[acc.key] = append(sd.d.ServiceContracts[acc.key], id)
	assets := []struct {
		name, serial, status string
		product              int
	}{
		{"Reception printer", "CNB1K2345", "In Service", 0},
		{"Second floor printer", "CNB1K2399", "In Service", 0},
		{"Core switch", "SW24G-88213", "Out-of-service", 2},
	}
	for i, a := range assets {
		fields := map[string]string{
			"assetname": acc.name + " " + a.name, "serialnumber": a.serial + "-" + acc.key, "assetstatus": a.status,
			"product": sd.products[a.product].id, "datesold": "2025-12-01", "dateinservice": "2025-12-10",
			"account": acc.id, "contact": acc.contact, "tagnumber": fmt.Sprintf("TAG-%s-%03d", acc.key, i+1),
			"shippingmethod": "DHL", "shippingtrackingnumber": fmt.Sprintf("JD0146%04d%s", i+1, acc.key),
			"description":      a.name + " installed and maintained under the support contract.",
			"assigned_user_id": sd.d.ManagerUserID,
		}
		if len(sd.d.Invoices[acc.key]) > 0 && a.product == 0 {
			fields["invoiceid"] = sd.d.Invoices[acc.key][0]
		}
		sd.d.Assets[acc.key] = append(sd.d.Assets[acc.key], sd.insert("Assets", fields))
	}
}

// seedCustomerDocuments gives every contact a personal document ("My
// documents") and the account a document of its own.
func (sd *seeder) seedCustomerDocuments(acc *demoAccount) {
	for _, c := range acc.contacts {
		sd.document(acc, []string{c}, "Portal quick start guide", "portal-quick-start.txt", "text/plain",
			[]byte("Welcome to the customer portal.\n\n1. Log in with your e-mail address.\n2. Open Tickets to report a problem.\n3. Invoices shows every invoice as PDF.\n"),
			"Personal copy of the portal guide.")
	}
	sd.document(acc, []string{acc.id}, "Service level agreement", "sla-2026.txt", "text/plain",
		[]byte(fmt.Sprintf("Service level agreement 2026 for %s\n\nResponse time for urgent tickets: 2 hours.\nSupport hours: Monday to Friday, 08:00-18:00 CET.\n", acc.name)),
		"Signed SLA for 2026.")
}

func (sd *seeder) seedNotifications(acc *demoAccount) {
	tickets, invoices := sd.d.Tickets[acc.key], sd.d.Invoices[acc.key]
	if len(tickets) < 2 || len(invoices) == 0 {
		return
	}
	notes := []struct{ subject, desc, related string }{
		{"Your ticket has a new answer", "Our support team answered your ticket about the printer.", tickets[0]},
		{"New invoice available", "A new invoice is available in the portal.", invoices[len(invoices)-1]},
	}
	for _, n := range notes {
		id := sd.insert("PortalNotifications", map[string]string{
			"subject": n.subject, "description": n.desc, "account_id": acc.id, "contact_id": acc.contact,
			"related_to": n.related, "assigned_user_id": sd.d.ManagerUserID,
		})
		sd.d.Notifications[acc.key] = append(sd.d.Notifications[acc.key], id)
	}
}

var (
	scaledStatuses   = []string{"Open", "In Progress", "Wait For Response", "Closed"}
	scaledPriorities = []string{"Low", "Normal", "High", "Urgent"}
	scaledSeverities = []string{"Minor", "Major", "Feature", "Critical"}
	scaledCategories = []string{"Big Problem", "Small Problem", "Other Problem"}
)

func (sd *seeder) scaledTicket(acc *demoAccount, i int) {
	created := seedEpoch.AddDate(0, 0, -(i%365 + 1)).Add(time.Duration(i%24) * time.Hour)
	parent := acc.id
	if i%10 == 9 {
		parent = ""
	}
	id := sd.insert("HelpDesk", map[string]string{
		"ticket_title":     fmt.Sprintf("Benchmark ticket %d for %s", i+1, acc.name),
		"description":      fmt.Sprintf("Generated ticket number %d to exercise lists, counts and search.", i+1),
		"ticketstatus":     scaledStatuses[i%len(scaledStatuses)],
		"ticketpriorities": scaledPriorities[(i/4)%len(scaledPriorities)],
		"ticketseverities": scaledSeverities[(i/3)%len(scaledSeverities)],
		"ticketcategories": scaledCategories[i%len(scaledCategories)],
		"hours":            money(float64(i%8) * 0.5),
		"days":             money(0),
		"parent_id":        parent,
		"contact_id":       acc.contact,
		"from_portal":      boolStr(i%2 == 0),
		"assigned_user_id": sd.d.ManagerUserID,
		"createdtime":      datetime(created),
		"modifiedtime":     datetime(created.Add(2 * time.Hour)),
	})
	sd.d.Tickets[acc.key] = append(sd.d.Tickets[acc.key], id)
	sd.comment(acc, id, acc.contact, commentDef{byCustomer: true, text: fmt.Sprintf("Customer update %d.", i+1)}, created.Add(time.Hour))
	sd.comment(acc, id, acc.contact, commentDef{text: fmt.Sprintf("Support reply %d.", i+1)}, created.Add(2*time.Hour))
}

func (sd *seeder) scaledInvoice(acc *demoAccount, i int) {
	day := seedEpoch.AddDate(0, 0, -(i%365 + 1))
	status := "Paid"
	if i%5 == 0 {
		status = "Sent"
	}
	id := sd.inventory("Invoice", acc, map[string]string{
		"subject":       fmt.Sprintf("Benchmark invoice %d", i+1),
		"invoicestatus": status,
		"invoicedate":   date(day),
		"duedate":       date(day.AddDate(0, 0, 30)),
		"createdtime":   datetime(day),
		"modifiedtime":  datetime(day),
	}, []lineDef{{i % 4, float64(i%3 + 1), ""}, {4 + i%3, 1, ""}})
	sd.d.Invoices[acc.key] = append(sd.d.Invoices[acc.key], id)
}

func boolStr(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// demoPNG renders a small, valid PNG (a 16×16 printer-status light) so the
// portal's download and preview paths see a real image.
func demoPNG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for y := 0; y < 16; y++ {
		for x := 0; x < 16; x++ {
			c := color.RGBA{R: 40, G: 40, B: 48, A: 255}
			if (x-8)*(x-8)+(y-8)*(y-8) < 25 {
				c = color.RGBA{R: 220, G: 30, B: 30, A: 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		// Encoding an in-memory RGBA image into a buffer cannot fail.
		panic(fmt.Sprintf("vtigersim: encode demo png: %v", err))
	}
	return buf.Bytes()
}
