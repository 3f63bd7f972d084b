package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/vtiger/vtigersim"
)

// DemoDSN is the database demo mode uses unless PORTAL_DB_DSN says otherwise.
const DemoDSN = "postgres://postgres@127.0.0.1:5432/portal_demo?sslmode=disable"

const demoPassword = vtigersim.DemoPassword

// applyDemoDefaults points the portal at the in-process simulator and a
// local demo database. Explicit PORTAL_HTTP_PORT / PORTAL_DB_DSN still win,
// because they were applied when the configuration was loaded.
func applyDemoDefaults(cfg *config.Config, getenv func(string) string) {
	if getenv("PORTAL_DB_DSN") == "" && (cfg.DB.DSN == "" || cfg.DB.DSN == config.Default().DB.DSN) {
		cfg.DB.DSN = DemoDSN
	}
	cfg.DB.AutoMigrate = true
	// Demo mode is a developer's sandbox: readable logs, never "production".
	cfg.Environment = config.EnvDevelopment
	if getenv("PORTAL_LOG_FORMAT") == "" {
		cfg.Log.Format = "text"
	}
	// The demo data carries notifications in the simulator's PortalNotifications module.
	if !cfg.Notifications.Enabled {
		cfg.Notifications.Enabled = true
		cfg.Notifications.Module = "PortalNotifications"
	}
	applyDemoFrontendConfig(&cfg.Vtiger.Business)
}

// The stock React build's Assets screen (its CUSTOM_MODULES setting): the
// list columns, the fields of its add/edit modal, default sort asset_no and
// the related Documents tab.
var (
	demoAssetListFields = []string{"asset_no", "assetstatus", "assetname", "datesold", "serialnumber"}
	demoAssetEditFields = []string{"assetstatus", "assetname", "datesold", "product", "description",
		"dateinservice", "shippingmethod", "shippingtrackingnumber"}
	// demoSettingsFields are Contacts checkboxes of the simulator's metadata,
	// shown as the Preferences toggles.
	demoSettingsFields = []string{"emailoptout", "donotcall", "notify_owner"}
)

// applyDemoFrontendConfig configures what the stock frontend shows and a
// bare configuration lacks: the Assets custom module and the Preferences
// toggles. A portal.yaml that sets either keeps its own.
func applyDemoFrontendConfig(b *config.Business) {
	if len(b.UserSettingsFields) == 0 {
		b.UserSettingsFields = slices.Clone(demoSettingsFields)
	}
	if len(b.CustomModules) > 0 {
		return
	}
	// customModules lists the searchable fields (the first is the default
	// sort); list rows carry every field (the frontend picks its columns);
	// the module override says what a customer may write. serialnumber stays writable for API clients:
	// Vtiger's describe marks it mandatory although the stock modal does not
	// offer it.
	b.CustomModules = map[string][]string{"Assets": slices.Clone(demoAssetListFields)}
	if b.Modules == nil {
		b.Modules = map[string]config.ModuleConfig{}
	}
	if _, ok := b.Modules["Assets"]; !ok {
		docs := true
		b.Modules["Assets"] = config.ModuleConfig{
			CreateDefaults: config.DemoCreateDefaults["Assets"],
			DefaultSort:    "asset_no",
			WritableFields: append(slices.Clone(demoAssetEditFields), "serialnumber"),
			Documents:      &docs,
		}
	}
}

// startDemo starts the simulator on a loopback port, seeds it and rewires
// the Vtiger connection to it. Production never reaches this code: only the
// -demo flag does.
func (m *Main) startDemo(ctx context.Context) error {
	simOpts := vtigersim.Options{Version: "8.4", Latency: 2 * time.Millisecond}
	if o := m.opts.hooks().SimOptions; o != nil {
		simOpts = *o
	}
	if simOpts.Logger == nil {
		simOpts.Logger = m.Logger.With("component", "vtigersim")
	}
	sim := vtigersim.New(simOpts)
	seed := vtigersim.SeedDemo
	if s := m.opts.hooks().Seed; s != nil {
		seed = s
	}
	demo, err := seed(sim)
	if err != nil {
		return fmt.Errorf("seed simulator: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen for simulator: %w", err)
	}
	m.simHTTP = &http.Server{Handler: sim, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := m.simHTTP.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Logger.Error("simulator stopped", "err", err)
		}
	}()
	m.Sim, m.Demo = sim, demo
	c := &m.Config.Vtiger.Connection
	c.URL = "http://" + ln.Addr().String() + "/webservice.php"
	c.Username = "admin"
	c.AccessKey = vtigersim.DefaultAccessKey
	b := &m.Config.Vtiger.Business
	b.CompanyID = demo.CompanyID
	if b.DefaultUser == "" {
		b.DefaultUser = demo.AdminUserID
	}
	m.Logger.Info("demo: Vtiger simulator started", "url", c.URL)
	return nil
}

func (m *Main) printDemoBanner() {
	w := m.opts.Stdout
	base := m.URL()
	fmt.Fprintf(w, "\nDemo portal running at %s/api/v1 (Vtiger simulator at %s)\n", base, m.Config.Vtiger.Connection.URL)
	fmt.Fprintf(w, "API docs: %s/swagger/\n", base)
	for _, u := range m.Demo.PortalUsers {
		fmt.Fprintf(w, "demo login: %s / %s  (%s %s)\n", u.Email, vtigersim.DemoPassword, u.FirstName, u.LastName)
	}
	fmt.Fprintf(w, "try: curl -s -X POST %s/api/v1/users/login -H 'Content-Type: application/json' -d '{\"email\":\"%s\",\"password\":\"%s\"}'\n\n",
		base, m.Demo.PortalUsers[0].Email, vtigersim.DemoPassword)
}
