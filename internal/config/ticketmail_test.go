package config

import "testing"

// email.sendTicketEmail defaults to on exactly when SMTP is configured;
// an explicit value always wins.
func TestSendTicketEmailDefaultFollowsSMTP(t *testing.T) {
	cases := []struct {
		name string
		file string
		env  map[string]string
		want bool
	}{
		{"nothing configured", "", nil, false},
		{"smtp in the file", "smtp:\n  host: mail.example.com\n", nil, true},
		{"smtp from the environment", "", map[string]string{"PORTAL_SMTP_HOST": "mail.example.com"}, true},
		{"smtp but explicitly off", "smtp:\n  host: mail.example.com\nemail:\n  sendTicketEmail: false\n", nil, false},
		{"no smtp but explicitly on", "email:\n  sendTicketEmail: true\n", nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := ""
			if c.file != "" {
				path = writeFile(t, t.TempDir(), "portal.yaml", c.file)
			}
			cfg, _, err := Load(path, env(c.env))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Email.SendTicketEmail != c.want {
				t.Errorf("email.sendTicketEmail = %v, want %v", cfg.Email.SendTicketEmail, c.want)
			}
		})
	}
}

func TestTicketEmailIntervalValidated(t *testing.T) {
	path := writeFile(t, t.TempDir(), "portal.yaml", "jobs:\n  ticketEmailInterval: 0s\n")
	_, _, err := Load(path, env(nil))
	if v := asValidation(t, err); !v.Has("jobs.ticketEmailInterval") {
		t.Fatalf("Load = %v, want an error naming jobs.ticketEmailInterval", err)
	}
}
