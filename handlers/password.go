package handlers

import (
	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"hotline/store"
	"hotline/views"
)

func passwordForm() views.Form {
	return views.Form{Order: []string{"current", "new", "confirm"}, Labels: views.PasswordLabels}
}

// showPasswordForm is パスワード変更 (also the forced first step).
func (s *Server) showPasswordForm(c *fiber.Ctx) error {
	m := memberOf(c)
	return s.render(c, "パスワード変更", views.Password(views.PasswordView{Form: passwordForm(), Initial: m.MustChangePassword}))
}

// savePassword changes the password, ends the member's other sessions and
// moves a first-login session on to the certificate step.
func (s *Server) savePassword(c *fiber.Ctx) error {
	m := memberOf(c)
	sess := sessionOf(c)
	current, next, confirm := c.FormValue("current"), c.FormValue("new"), c.FormValue("confirm")
	fe := store.FieldErrors{}
	if current == "" {
		fe.Add("current", "現在のパスワードを入力してください")
	} else if len(current) > 256 || !store.VerifyPassword(m.PasswordHash, current) {
		_ = s.db.Audit(store.AuditEvent{Actor: m.ID, Action: "password.change", Remote: c.IP(), Result: store.ResultFailed})
		fe.Add("current", "現在のパスワードが正しくありません")
	}
	fe.AddErr("new", store.CheckPassword(m.ID, next))
	if next != "" && next == current {
		fe.Add("new", "現在と異なるパスワードを入力してください")
	}
	if confirm != next {
		fe.Add("confirm", "確認用のパスワードが一致しません")
	}
	if err := fe.Err(); err != nil {
		return s.invalidForm(c, err, "パスワード変更", func(f views.Form) templ.Component {
			return views.Password(views.PasswordView{Form: f, Initial: m.MustChangePassword})
		}, passwordForm())
	}
	if err := s.db.ChangePassword(m.ID, store.HashPassword(next), sess.ID, c.IP()); err != nil {
		return err
	}
	updated := *sess
	updated.PasswordOnly = s.cfg.CertMode == CertRequired && sess.CertSerial == ""
	if err := s.db.UpdateSession(updated); err != nil {
		return err
	}
	if updated.PasswordOnly {
		return redirect(c, "/cert")
	}
	return redirect(c, "/menu?done=password")
}
