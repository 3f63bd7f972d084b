package accounts

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/portalcrm/vtiger-portal/internal/domain"
)

var testParams = HashParams{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestHashAndVerifyPassword(t *testing.T) {
	h, err := HashPassword("correct horse", testParams)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("hash %q is not an argon2id PHC string", h)
	}
	h2, _ := HashPassword("correct horse", testParams)
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
	legacy, _ := bcrypt.GenerateFromPassword([]byte("legacy"), bcrypt.MinCost)
	tests := []struct {
		name            string
		hash, password  string
		params          HashParams
		ok, rehash, err bool
	}{
		{"argon2id match", h, "correct horse", testParams, true, false, false},
		{"argon2id mismatch", h, "correct horsE", testParams, false, false, false},
		{"argon2id other params", h, "correct horse", DefaultHashParams, true, true, false},
		{"bcrypt match upgrades", string(legacy), "legacy", testParams, true, true, false},
		{"bcrypt mismatch", string(legacy), "Legacy", testParams, false, false, false},
		{"unknown scheme", "plain", "plain", testParams, false, false, true},
		{"truncated argon2id", h[:len(h)-50], "correct horse", testParams, false, false, true},
		{"zero cost", "$argon2id$v=19$m=0,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5", "x", testParams, false, false, true},
		{"wrong version", strings.Replace(h, "v=19", "v=16", 1), "correct horse", testParams, false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, rehash, err := VerifyPassword(tt.hash, tt.password, tt.params)
			if ok != tt.ok || rehash != tt.rehash || (err != nil) != tt.err {
				t.Fatalf("VerifyPassword = %v, %v, %v; want %v, %v, err %v", ok, rehash, err, tt.ok, tt.rehash, tt.err)
			}
		})
	}
}

func TestParseKey(t *testing.T) {
	raw := bytes.Repeat([]byte{0xab}, 32)
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"hex", hex.EncodeToString(raw), true},
		{"base64", base64.StdEncoding.EncodeToString(raw), true},
		{"base64 raw url", base64.RawURLEncoding.EncodeToString(raw), true},
		{"short", hex.EncodeToString(raw[:16]), false},
		{"garbage", "not a key", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParseKey(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("ParseKey err = %v, want ok %v", err, tt.ok)
			}
			if tt.ok && !bytes.Equal(k, raw) {
				t.Fatalf("key = %x", k)
			}
		})
	}
}

func TestCipherSealOpen(t *testing.T) {
	k, _ := RandomKey()
	c, err := NewCipher(k)
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("JBSWY3DPEHPK3PXP")
	sealed, err := c.Seal(secret, []byte("totp:1"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, secret) {
		t.Fatal("sealed value contains the plaintext")
	}
	again, _ := c.Seal(secret, []byte("totp:1"))
	if bytes.Equal(sealed, again) {
		t.Fatal("two seals are equal: nonce not random")
	}
	if got, err := c.Open(sealed, []byte("totp:1")); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	tampered := bytes.Clone(sealed)
	tampered[len(tampered)-1] ^= 1
	otherKey, _ := RandomKey()
	other, _ := NewCipher(otherKey)
	fails := map[string]func() error{
		"other aad": func() error { _, err := c.Open(sealed, []byte("totp:2")); return err },
		"tampered":  func() error { _, err := c.Open(tampered, []byte("totp:1")); return err },
		"other key": func() error { _, err := other.Open(sealed, []byte("totp:1")); return err },
		"too short": func() error { _, err := c.Open(sealed[:5], []byte("totp:1")); return err },
	}
	for name, f := range fails {
		if f() == nil {
			t.Errorf("%s: Open succeeded", name)
		}
	}
	if _, err := NewCipher(k[:16]); err == nil {
		t.Error("NewCipher accepted a 16-byte key")
	}
}

func TestTokens(t *testing.T) {
	a, ha, err := newToken()
	if err != nil {
		t.Fatal(err)
	}
	b, _, _ := newToken()
	if a == b || len(a) != 32 || !validTokenShape(a) {
		t.Fatalf("tokens %q %q", a, b)
	}
	if !bytes.Equal(ha, HashToken(a)) || len(ha) != 32 {
		t.Fatal("hash is not SHA-256 of the token")
	}
	for _, bad := range []string{"", "short", strings.ToLower(a), a + "A", a[:31] + "1"} {
		if validTokenShape(bad) {
			t.Errorf("validTokenShape(%q) = true", bad)
		}
	}
}

func TestRecoveryCodeNormalisation(t *testing.T) {
	h := hashRecoveryCode("abcd2345-efgh6723")
	for _, v := range []string{"ABCD2345-EFGH6723", " abcd2345efgh6723 ", "abcd 2345 efgh 6723"} {
		if !bytes.Equal(hashRecoveryCode(v), h) {
			t.Errorf("%q hashes differently", v)
		}
	}
	if bytes.Equal(hashRecoveryCode("abcd2345-efgh6724"), h) {
		t.Error("different codes hash equally")
	}
}

func TestDecodeAvatar(t *testing.T) {
	pngHead := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00")
	jpegHead := []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00")
	tests := []struct {
		name, in, mime string
		ok             bool
	}{
		{"jpeg raw base64", base64.StdEncoding.EncodeToString(jpegHead), "image/jpeg", true},
		{"gif", base64.StdEncoding.EncodeToString([]byte("GIF89a......")), "image/gif", true},
		{"webp", base64.StdEncoding.EncodeToString([]byte("RIFF\x24\x00\x00\x00WEBPVP8 ")), "image/webp", true},
		{"svg refused", base64.StdEncoding.EncodeToString([]byte("<svg xmlns='http://www.w3.org/2000/svg'></svg>")), "", false},
		{"text refused", "data:image/png;base64," + base64.StdEncoding.EncodeToString([]byte("hello, not a picture")), "", false},
		{"not base64 data url", "data:image/png,xyz", "", false},
		{"bad base64", "data:image/png;base64,!!!", "", false},
		{"too large", base64.StdEncoding.EncodeToString(append(pngHead, make([]byte, MaxAvatarBytes)...)), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, mime, err := decodeAvatar(tt.in)
			if (err == nil) != tt.ok || mime != tt.mime {
				t.Fatalf("decodeAvatar = %q, %v", mime, err)
			}
			if tt.name == "too large" && domain.ErrorCode(err) != domain.ETOOLARGE {
				t.Fatalf("too large: code %q, want %q", domain.ErrorCode(err), domain.ETOOLARGE)
			}
		})
	}
}

func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{" Anna@Acme.example ", "Anna@Acme.example", true},
		{"o'neil@acme.example", "o'neil@acme.example", true},
		{"Anna <anna@acme.example>", "", false},
		{"anna", "", false},
		{"", "", false},
		{strings.Repeat("a", 250) + "@x.example", "", false},
	}
	for _, tt := range tests {
		got, err := normalizeEmail("email", tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("normalizeEmail(%q) = %q, %v", tt.in, got, err)
		}
	}
}
