package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// FileName is the configuration file's name in the default locations.
const FileName = "portal.yaml"

// Resolve picks the configuration file: the -config flag value, else
// $PORTAL_CONFIG, else <user config dir>/portal.yaml, else ./portal.yaml.
// A path named explicitly (flag or variable) must exist; the default
// locations are optional, and "" with a nil error means "no file, run on
// defaults and environment".
func Resolve(flagPath string, getenv func(string) string) (string, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	for _, explicit := range []struct{ path, from string }{
		{flagPath, "-config"},
		{getenv("PORTAL_CONFIG"), "$PORTAL_CONFIG"},
	} {
		if explicit.path == "" {
			continue
		}
		if err := isFile(explicit.path); err != nil {
			return "", fmt.Errorf("config file %s (from %s): %w", explicit.path, explicit.from, err)
		}
		return explicit.path, nil
	}
	var candidates []string
	if dir := userConfigDir(getenv); dir != "" {
		candidates = append(candidates, filepath.Join(dir, FileName))
	}
	candidates = append(candidates, FileName)
	for _, p := range candidates {
		err := isFile(p)
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("config file %s: %w", p, err)
		}
	}
	return "", nil
}

func isFile(p string) error {
	st, err := os.Stat(p)
	if err != nil {
		return err
	}
	if st.IsDir() {
		return errors.New("is a directory")
	}
	return nil
}

// userConfigDir mirrors os.UserConfigDir but reads the environment through
// getenv, so lookups are testable and follow the caller's environment.
func userConfigDir(getenv func(string) string) string {
	switch runtime.GOOS {
	case "windows":
		return getenv("AppData")
	case "darwin", "ios":
		if h := getenv("HOME"); h != "" {
			return filepath.Join(h, "Library", "Application Support")
		}
	case "plan9":
		if h := getenv("home"); h != "" {
			return filepath.Join(h, "lib")
		}
	default:
		if x := getenv("XDG_CONFIG_HOME"); x != "" && filepath.IsAbs(x) {
			return x
		}
		if h := getenv("HOME"); h != "" {
			return filepath.Join(h, ".config")
		}
	}
	return ""
}

// Load reads the file at path ("" = none), applies PORTAL_* overrides from
// getenv (nil = os.Getenv), fills defaults and validates. Every problem —
// unknown keys, wrongly typed values, invalid values — comes back at once
// as ValidationErrors. Keys of the earlier backend's portal.yaml still load
// and produce warnings naming their replacement.
func Load(path string, getenv func(string) string) (*Config, []string, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	cfg := Default()
	d := &decoder{lines: map[string]int{}}
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, nil, fmt.Errorf("config: %w", err)
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(data, &doc); err != nil {
			return nil, nil, fmt.Errorf("config %s: %w", path, err)
		}
		if len(doc.Content) > 0 {
			root := doc.Content[0]
			if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
				// A file of comments only: defaults.
			} else if root.Kind != yaml.MappingNode {
				d.errs = append(d.errs, FieldError{Key: "(file)", Message: "must be a mapping of sections (http:, db:, vtiger: …)", Line: root.Line})
			} else {
				d.decode(root, reflect.ValueOf(&cfg).Elem(), "")
			}
		}
		d.legacyValues(&cfg)
	}
	fromEnv := applyEnv(&cfg, getenv, &d.errs, d.warn)
	applyDerivedDefaults(&cfg, func(key string) bool {
		_, inFile := d.lines[key]
		return inFile || fromEnv[key]
	})
	d.normalize(&cfg)

	var verrs ValidationErrors
	cfg.validate(&verrs)
	errs := d.errs
	for _, fe := range verrs {
		if errs.Has(fe.Key) {
			continue // a decode error already explains this key
		}
		if !fromEnv[fe.Key] {
			fe.Line = d.lines[fe.Key]
		}
		errs = append(errs, fe)
	}
	if len(errs) > 0 {
		return nil, d.warnings, errs
	}
	return &cfg, d.warnings, nil
}

// legacyKey describes a key of the earlier backend's portal.yaml.
type legacyKey struct {
	renamed string // new key in the same section; "" = ignored
	note    string // why it is ignored
}

// legacyKeys maps the earlier backend's dotted keys to what became of them.
var legacyKeys = map[string]legacyKey{
	"env":                        {renamed: "environment"},
	"vtiger.connection.login":    {renamed: "username"},
	"vtiger.connection.password": {renamed: "accessKey"},
	"vtiger.connection.persistenceConnection": {note: "ignored: Vtiger sessions are always pooled and kept (see vtiger.connection.sessions)"},
	"db.maxOpenConns":                         {renamed: "maxConns"},
	"db.maxIdleConns":                         {note: "ignored: the PostgreSQL pool closes idle connections itself (see db.minConns, db.maxConnIdleTime)"},
	"db.maxIdleTime":                          {renamed: "maxConnIdleTime"},
	"payment.payed_invoice_status":            {renamed: "paid_invoice_status"},
	"payment.payed_so_status":                 {renamed: "paid_so_status"},
	// An earlier key of this portal: the API contract fixes the paths.
	"vtiger.business.modules.*.route": {note: "ignored: the API contract fixes the paths the frontend calls"},
}

// lookupLegacy finds key in legacyKeys; per-module keys match as
// vtiger.business.modules.*.<key>.
func lookupLegacy(key string) (legacyKey, bool) {
	if lk, ok := legacyKeys[key]; ok {
		return lk, true
	}
	const modules = "vtiger.business.modules."
	if rest, ok := strings.CutPrefix(key, modules); ok {
		if _, field, ok := strings.Cut(rest, "."); ok {
			lk, ok := legacyKeys[modules+"*."+field]
			return lk, ok
		}
	}
	return legacyKey{}, false
}

// mysqlKeys are the earlier backend's MySQL connection settings.
var mysqlKeys = []string{"host", "login", "password", "dbname"}

var durationType = reflect.TypeFor[time.Duration]()

type decoder struct {
	errs     ValidationErrors
	warnings []string
	lines    map[string]int // key path → line, to point validation errors at the file
}

func (d *decoder) warn(s string) { d.warnings = append(d.warnings, s) }

func (d *decoder) fail(n *yaml.Node, key, format string, args ...any) {
	d.errs = append(d.errs, FieldError{Key: key, Message: fmt.Sprintf(format, args...), Line: n.Line})
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// pairs returns a mapping's key/value pairs with YAML merge keys (<<)
// expanded: a merged key is dropped when the mapping sets it itself, and
// among several merged mappings the first wins, as the merge spec says.
// Duplicates among the mapping's own keys are kept for the caller to report.
func pairs(n *yaml.Node) [][2]*yaml.Node {
	var merged, own [][2]*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.ShortTag() != "!!merge" {
			own = append(own, [2]*yaml.Node{k, v})
			continue
		}
		v = deref(v)
		srcs := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			srcs = v.Content
		}
		for _, s := range srcs {
			if s = deref(s); s.Kind == yaml.MappingNode {
				merged = append(merged, pairs(s)...)
			}
		}
	}
	if len(merged) == 0 {
		return own
	}
	set := map[string]bool{}
	for _, kv := range own {
		set[deref(kv[0]).Value] = true
	}
	var out [][2]*yaml.Node
	for _, kv := range merged {
		if k := deref(kv[0]).Value; !set[k] {
			set[k] = true
			out = append(out, kv)
		}
	}
	return append(out, own...)
}

func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// decode walks n against v's yaml tags, so every unknown key and every
// wrongly typed value is reported with its full path — yaml.v3's own
// KnownFields stops at the first one.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	n = deref(n)
	if path != "" {
		d.lines[path] = n.Line
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return // "key:" with no value keeps the default
	}
	t := v.Type()
	switch {
	case t == durationType:
		d.decodeDuration(n, v, path)
	case t.Kind() == reflect.Struct:
		d.decodeStruct(n, v, path)
	case t.Kind() == reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.fail(n, path, "must be a mapping, got %s", describe(n))
			return
		}
		if v.IsNil() {
			v.Set(reflect.MakeMap(t))
		}
		seen := map[string]bool{}
		for _, kv := range pairs(n) {
			k := deref(kv[0])
			if k.Kind != yaml.ScalarNode {
				d.fail(k, path, "keys must be strings")
				continue
			}
			key := join(path, k.Value)
			if seen[k.Value] {
				d.fail(k, key, "duplicate key")
				continue
			}
			seen[k.Value] = true
			elem := reflect.New(t.Elem()).Elem()
			if old := v.MapIndex(reflect.ValueOf(k.Value)); old.IsValid() {
				elem.Set(old)
			}
			d.decode(kv[1], elem, key)
			v.SetMapIndex(reflect.ValueOf(k.Value), elem)
		}
	case t.Kind() == reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.fail(n, path, "must be a list, got %s", describe(n))
			return
		}
		out := reflect.MakeSlice(t, 0, len(n.Content))
		for i, item := range n.Content {
			elem := reflect.New(t.Elem()).Elem()
			d.decode(item, elem, fmt.Sprintf("%s[%d]", path, i))
			out = reflect.Append(out, elem)
		}
		v.Set(out)
	case t.Kind() == reflect.Pointer:
		p := reflect.New(t.Elem())
		if !v.IsNil() {
			p.Elem().Set(v.Elem())
		}
		d.decode(n, p.Elem(), path)
		v.Set(p)
	default:
		if n.Kind != yaml.ScalarNode || (isInteger(t) && n.ShortTag() != "!!int") {
			// yaml.v3 would truncate 2.5 into an int; refuse instead.
			d.fail(n, path, "must be %s, got %s", want(t), describe(n))
			return
		}
		if err := n.Decode(v.Addr().Interface()); err != nil {
			d.fail(n, path, "must be %s, got %s", want(t), describe(n))
		}
	}
}

func (d *decoder) decodeDuration(n *yaml.Node, v reflect.Value, path string) {
	const msg = `must be a duration with a unit such as "15s", "5m" or "1h30m", got %s`
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!int" || n.ShortTag() == "!!float" {
		// Bare numbers are refused rather than guessed: seconds, milliseconds
		// and nanoseconds are all plausible readings.
		d.fail(n, path, msg, describe(n))
		return
	}
	dur, err := time.ParseDuration(strings.TrimSpace(n.Value))
	if err != nil {
		d.fail(n, path, msg, describe(n))
		return
	}
	v.SetInt(int64(dur))
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "must be a mapping, got %s", describe(n))
		return
	}
	fields := yamlFields(v.Type())
	ps := pairs(n)
	present := map[string]bool{}
	for _, kv := range ps {
		present[deref(kv[0]).Value] = true
	}
	seen := map[string]bool{}
	var mysql []string
	for _, kv := range ps {
		k := deref(kv[0])
		name := k.Value
		key := join(path, name)
		if seen[name] {
			d.fail(k, key, "duplicate key")
			continue
		}
		seen[name] = true
		if path == "db" && slices.Contains(mysqlKeys, name) {
			mysql = append(mysql, key)
			continue
		}
		if lk, ok := lookupLegacy(key); ok {
			if lk.renamed == "" {
				d.warn(fmt.Sprintf("%s: %s", key, lk.note))
				continue
			}
			newKey := join(path, lk.renamed)
			if present[lk.renamed] {
				d.warn(fmt.Sprintf("%s: legacy key ignored because %s is also set", key, newKey))
				continue
			}
			d.warn(fmt.Sprintf("%s: deprecated, rename it to %s", key, newKey))
			name, key = lk.renamed, newKey
		}
		idx, ok := fields[name]
		if !ok {
			msg := "unknown key"
			if s := suggest(name, fields); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			}
			d.fail(k, key, "%s", msg)
			continue
		}
		d.decode(kv[1], v.FieldByIndex(idx), key)
	}
	if len(mysql) > 0 {
		d.warn(fmt.Sprintf("%s: MySQL settings are not used; the portal stores its data in PostgreSQL, set db.dsn (or PORTAL_DB_DSN), e.g. postgres://user:pass@127.0.0.1:5432/portal", strings.Join(mysql, ", ")))
	}
}

// yamlFields maps yaml tag names to field indexes.
func yamlFields(t reflect.Type) map[string][]int {
	out := map[string][]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Index
	}
	return out
}

// suggest returns the known key closest to a misspelt one.
func suggest(name string, fields map[string][]int) string {
	best, bestDist := "", 3
	for k := range fields {
		dist := levenshtein(strings.ToLower(name), strings.ToLower(k))
		if dist < bestDist || (dist == bestDist && best != "" && k < best) {
			best, bestDist = k, dist
		}
	}
	if best == "" || bestDist > max(1, len(name)/3) {
		return ""
	}
	return best
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

func isInteger(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

func want(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a non-negative integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	}
	return "a " + t.String()
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return fmt.Sprintf("%q", n.Value)
}

// legacyValues rewrites values whose meaning changed since the earlier
// backend, with a warning for each.
func (d *decoder) legacyValues(c *Config) {
	if h := c.HTTP.MaxHeaderBytes; h >= 1 && h <= 64 {
		c.HTTP.MaxHeaderBytes = h << 20
		d.warn(fmt.Sprintf("http.maxHeaderBytes: %d read as %d MB (legacy unit); write the size in bytes: %d", h, h, h<<20))
	}
	for _, t := range []struct {
		key string
		val *string
	}{
		{"email.templates.registrationEmail", &c.Email.Templates.RegistrationEmail},
		{"email.templates.ticketSuccessful", &c.Email.Templates.TicketSuccessful},
		{"email.templates.restorePasswordEmail", &c.Email.Templates.RestorePasswordEmail},
	} {
		if *t.val != "" && slices.Contains(EmbeddedTemplateNames, filepath.Base(*t.val)) {
			d.warn(fmt.Sprintf("%s: %q names an embedded template, which is used; leave the key empty (rename a customised copy to override it)", t.key, *t.val))
			*t.val = ""
		}
	}
	// Scheme-less entries such as "127.0.0.1" never matched a browser's
	// Origin header (which always has a scheme) in the earlier backend
	// either, so dropping them keeps behaviour; malformed entries that do
	// have a scheme stay and fail validation.
	if origins := c.CORS.TrustedOrigins; origins != nil {
		kept := origins[:0:0]
		for i, o := range origins {
			if o != "" && !strings.Contains(o, "://") {
				d.warn(fmt.Sprintf("cors.trustedOrigins[%d]: %q is not an origin (scheme://host[:port]) and is ignored; write e.g. \"https://%s\"", i, o, o))
				continue
			}
			kept = append(kept, o)
		}
		c.CORS.TrustedOrigins = kept
	}
	for _, name := range sortedKeys(c.Vtiger.Business.CustomModules) {
		fields := c.Vtiger.Business.CustomModules[name]
		var uniq []string
		for _, f := range fields {
			if slices.Contains(uniq, f) {
				d.warn(fmt.Sprintf("vtiger.business.customModules.%s: duplicate field %q ignored (one field is enough; the first is the default sort)", name, f))
				continue
			}
			uniq = append(uniq, f)
		}
		if len(uniq) != len(fields) {
			c.Vtiger.Business.CustomModules[name] = uniq
		}
	}
}

// environmentAliases are the earlier backend's free-form environment names.
var environmentAliases = map[string]string{
	"local": EnvDevelopment, "dev": EnvDevelopment, "develop": EnvDevelopment,
	"prod": EnvProduction,
}

// normalize lower-cases enum values and derives defaults that depend on
// other keys (after the environment overrides, so both sources count).
func (d *decoder) normalize(c *Config) {
	c.Environment = strings.ToLower(strings.TrimSpace(c.Environment))
	if env, ok := environmentAliases[c.Environment]; ok {
		d.warn(fmt.Sprintf("environment: %q read as %q; use development or production", c.Environment, env))
		c.Environment = env
	}
	c.Log.Level = strings.ToLower(strings.TrimSpace(c.Log.Level))
	if c.Log.Level == "warning" {
		c.Log.Level = "warn"
	}
	c.Log.Format = strings.ToLower(strings.TrimSpace(c.Log.Format))
	if c.Log.Format == "" {
		c.Log.Format = "text"
		if c.Environment == EnvProduction {
			c.Log.Format = "json"
		}
	}
	c.SMTP.TLS = strings.ToLower(strings.TrimSpace(c.SMTP.TLS))
	for name, m := range c.Vtiger.Business.Modules {
		if m.Visibility != "" {
			m.Visibility = strings.ToLower(strings.TrimSpace(m.Visibility))
			c.Vtiger.Business.Modules[name] = m
		}
	}
}
