package app_test

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/service/accounts"
	"github.com/portalcrm/vtiger-portal/internal/testutil/apptest"
	"github.com/portalcrm/vtiger-portal/internal/vtiger/vtigersim"
)

func testPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for x := 0; x < 16; x++ {
		for y := 0; y < 16; y++ {
			img.Set(x, y, color.RGBA{R: uint8(x * 16), G: 80, B: uint8(y * 16), A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func colleagueImage(t *testing.T, base, token, contactID string) (string, bool) {
	t.Helper()
	code, body := apptest.Call(t, "GET", base+"/users/all", token, nil)
	if code != 200 {
		t.Fatalf("GET /users/all: %d %v", code, body)
	}
	rows, _ := body["data"].([]any)
	for _, r := range rows {
		m := r.(map[string]any)
		if m["crmid"] == contactID {
			img, _ := m["imagecontent"].(string)
			return img, true
		}
	}
	return "", false
}

// An avatar uploaded the way the stock profile form does it (a data URL)
// comes back on /users/my and on the colleagues list, from PostgreSQL,
// although the CRM does not keep it.
func TestAvatarRoundTrip(t *testing.T) {
	s := apptest.Start(t, nil)
	base := s.URL() + "/api/v1"
	anna := login(t, base, "anna@acme.example")
	pic := testPNG(t)
	want := base64.StdEncoding.EncodeToString(pic)

	// No picture yet: a renderable placeholder, never an empty string.
	_, body := apptest.Call(t, "GET", base+"/users/my", anna, nil)
	if u := body["data"].(map[string]any); u["imagecontent"] != domain.PlaceholderAvatar || u["imagename"] != "" {
		t.Fatalf("no avatar: imagecontent %v imagename %v, want the placeholder and no name", u["imagecontent"], u["imagename"])
	}

	code, body := apptest.Call(t, "PUT", base+"/users/my", anna, map[string]any{
		"imagename": "C:\\fakepath\\me.png", "imagetype": "image/png",
		"imagecontent": "data:image/png;base64," + want,
	})
	if code != 202 {
		t.Fatalf("PUT avatar: %d %v", code, body)
	}
	if body["imagecontent"] != want {
		t.Fatal("the PUT answer does not carry the new avatar")
	}
	// Stock Vtiger drops image fields on revise: make the CRM forget them,
	// so only the portal's copy can answer.
	if err := s.Sim.Set(s.Demo.Contacts["anna"], map[string]string{"imagename": ""}); err != nil {
		t.Fatal(err)
	}
	code, body = apptest.Call(t, "GET", base+"/users/my", anna, nil)
	u, _ := body["data"].(map[string]any)
	if code != 200 || u["imagecontent"] != want || u["imagetype"] != "image/png" || !strings.HasSuffix(u["imagename"].(string), ".png") {
		t.Fatalf("GET /users/my after upload: %d imagetype=%v imagename=%v imagecontent matches=%v",
			code, u["imagetype"], u["imagename"], u["imagecontent"] == want)
	}

	// The form sends the profile back as it got it: the same picture, or the
	// placeholder, changes nothing (and the same picture is no CRM write).
	if code, body := apptest.Call(t, "PUT", base+"/users/my", anna, map[string]any{"imagecontent": domain.PlaceholderAvatar, "description": "Runs IT for the London office."}); code != 202 || body["imagecontent"] != want {
		t.Fatalf("PUT with the placeholder: %d, avatar kept=%v", code, body["imagecontent"] == want)
	}
	s.Sim.ResetCounters()
	if code, body := apptest.Call(t, "PUT", base+"/users/my", anna, map[string]any{"imagename": "me.png", "imagecontent": want}); code != 202 || body["imagecontent"] != want {
		t.Fatalf("PUT with the same picture: %d, avatar kept=%v", code, body["imagecontent"] == want)
	}
	if n := s.Sim.Calls()["revise"]; n != 0 {
		t.Fatalf("re-sending the same picture revised the contact %d times", n)
	}

	// Carl (same account) registers and sees Anna's picture; Anna sees the
	// placeholder for Carl; Ben (other account) does not see Anna at all.
	code, body = apptest.Call(t, "POST", base+"/users/", "", map[string]any{"email": "carl@acme.example", "code": "CODE42",
		"password": vtigersim.DemoPassword, "confirmPassword": vtigersim.DemoPassword, "terms": true})
	if code != 201 {
		t.Fatalf("register Carl: %d %v", code, body)
	}
	carl := login(t, base, "carl@acme.example")
	if img, ok := colleagueImage(t, base, carl, s.Demo.Contacts["anna"]); !ok || img != want {
		t.Fatalf("Carl's colleagues: Anna listed=%v, her avatar matches=%v", ok, img == want)
	}
	if img, ok := colleagueImage(t, base, anna, s.Demo.Contacts["carl"]); !ok || img != domain.PlaceholderAvatar {
		t.Fatalf("Anna's colleagues: Carl listed=%v, imagecontent %q, want the placeholder", ok, img)
	}
	ben := login(t, base, "ben@globex.example")
	if _, ok := colleagueImage(t, base, ben, s.Demo.Contacts["anna"]); ok {
		t.Fatal("Ben sees Anna among his colleagues")
	}

	// Bad input is refused with the field named, and the stored picture stays.
	for _, tt := range []struct {
		name, content string
		status        int
	}{
		{"svg", "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString([]byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)), 422},
		{"text named png", "data:image/png;base64," + base64.StdEncoding.EncodeToString([]byte("just some text")), 422},
		{"not base64", "data:image/png;base64,@@@@", 422},
		{"too large", base64.StdEncoding.EncodeToString(append(pic, make([]byte, accounts.MaxAvatarBytes)...)), 413},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, body := apptest.Call(t, "PUT", base+"/users/my", anna, map[string]any{"imagename": "x.png", "imagetype": "image/png", "imagecontent": tt.content})
			if code != tt.status || body["field"] != "imagecontent" {
				t.Fatalf("PUT %s: %d %v, want %d naming imagecontent", tt.name, code, body, tt.status)
			}
		})
	}
	_, body = apptest.Call(t, "GET", base+"/users/my", anna, nil)
	if body["data"].(map[string]any)["imagecontent"] != want {
		t.Fatal("a refused upload replaced the stored avatar")
	}
}
