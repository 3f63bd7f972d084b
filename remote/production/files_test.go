// Package production holds the deployment files (systemd unit, Apache
// virtual host); its test checks them with the real tools when present.
package production

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func read(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestUnitFileHardening(t *testing.T) {
	unit := read(t, "portal.service")
	for _, want := range []string{
		"User=portal", "Restart=on-failure", "EnvironmentFile=/etc/portal/portal.env",
		"ExecStart=/usr/local/bin/portal -config /etc/portal/portal.yaml serve",
		"NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes", "ProtectHome=yes",
		"CapabilityBoundingSet=", "KillSignal=SIGTERM",
	} {
		if !strings.Contains(unit, want+"\n") {
			t.Errorf("portal.service lacks %q", want)
		}
	}
}

// systemd-analyze verify checks directive names and values; the binary path
// is pointed at a real executable because verify insists on one.
func TestUnitFileVerifies(t *testing.T) {
	tool, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed (Debian package systemd); unit file not verified")
	}
	exe, err := exec.LookPath("true")
	if err != nil {
		t.Fatal(err)
	}
	unit := strings.ReplaceAll(read(t, "portal.service"), "/usr/local/bin/portal", exe)
	dir := t.TempDir()
	path := filepath.Join(dir, "portal.service")
	if err := os.WriteFile(path, []byte(unit), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "verify", path).CombinedOutput()
	t.Logf("systemd-analyze verify: exit %v", err)
	// Lines about the environment file or the user are facts of this
	// machine, not of the unit.
	var problems []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l == "" || strings.Contains(l, "portal.env") || strings.Contains(l, "User=") {
			continue
		}
		problems = append(problems, l)
	}
	if len(problems) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, strings.Join(problems, "\n"))
	}
}

// apache2 -t parses the virtual host with the modules it needs and a
// throwaway certificate.
func TestApacheConfigSyntax(t *testing.T) {
	apache, err := exec.LookPath("apache2")
	if err != nil {
		if apache, err = exec.LookPath("/usr/sbin/apache2"); err != nil {
			t.Skip("apache2 is not installed (Debian package apache2); Apache config not checked")
		}
	}
	modules := "/usr/lib/apache2/modules"
	dir := t.TempDir()
	cert, key := writeSelfSigned(t, dir)
	vhost := read(t, "apache.conf")
	vhost = strings.ReplaceAll(vhost, "/etc/letsencrypt/live/portal.example.com/fullchain.pem", cert)
	vhost = strings.ReplaceAll(vhost, "/etc/letsencrypt/live/portal.example.com/privkey.pem", key)
	vhost = strings.ReplaceAll(vhost, "/var/www/portal", dir)
	if err := os.WriteFile(filepath.Join(dir, "portal.conf"), []byte(vhost), 0o644); err != nil {
		t.Fatal(err)
	}
	var main strings.Builder
	main.WriteString("ServerRoot " + dir + "\nPidFile " + filepath.Join(dir, "httpd.pid") + "\nServerName localhost\nListen 127.0.0.1:18443\n")
	main.WriteString("Define APACHE_LOG_DIR " + dir + "\nErrorLog " + filepath.Join(dir, "error.log") + "\n")
	for _, m := range []string{"mpm_event", "authz_core", "mime", "dir", "log_config", "ssl", "socache_shmcb", "proxy", "proxy_http", "headers", "rewrite", "filter", "deflate", "setenvif"} {
		so := filepath.Join(modules, "mod_"+m+".so")
		if _, err := os.Stat(so); err != nil {
			continue // built in on this build
		}
		main.WriteString("LoadModule " + m + "_module " + so + "\n")
	}
	main.WriteString("Include " + filepath.Join(dir, "portal.conf") + "\n")
	conf := filepath.Join(dir, "httpd.conf")
	if err := os.WriteFile(conf, []byte(main.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(apache, "-t", "-f", conf).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Syntax OK") {
		t.Fatalf("apache2 -t: %v\n%s", err, out)
	}
}

func writeSelfSigned(t *testing.T, dir string) (certPath, keyPath string) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "portal.example.com"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"portal.example.com"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certPath, keyPath
}
