package handlers

import (
	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
)

func passwordForm() views.Form {
	// Passwords are never sent back into the form: no values.
	return views.NewForm(store.PasswordChangeSpec, nil)
}

// showPasswordForm is パスワード変更 (also the forced first step).
func (s *Server) showPasswordForm(c *fiber.Ctx) error {
	m := web.MemberOf(c)
	return s.web.Render(c, "パスワード変更", views.Password(views.PasswordView{Form: passwordForm(), Initial: m.MustChangePassword}))
}

// savePassword changes the password, ends the member's other sessions and
// moves a first-login session on to the certificate step.
func (s *Server) savePassword(c *fiber.Ctx) error {
	m := web.MemberOf(c)
	sess := web.SessionOf(c)
	v := web.Bind(c, store.PasswordChangeSpec)
	current, next, confirm := v["current"], v["new"], v["confirm"]
	show := func(f views.Form) templ.Component {
		return views.Password(views.PasswordView{Form: f, Initial: m.MustChangePassword})
	}
	fe := store.FieldErrors{}
	// Guessing the current password from a session counts like failed
	// logins of this account from this address (the holds apply; the
	// account-wide slow-down does not: the session holder is the member).
	attempt := store.LoginAttempt{Account: m.ID, Addr: c.IP(), Trusted: true}
	if current == "" {
		fe.Add("current", store.PasswordChangeSpec.Label("current")+"を入力してください")
	} else if retry, err := s.db.CheckLogin(attempt); err != nil {
		return s.web.Throttled(c, retry, func(err error) error {
			return s.web.InvalidForm(c, err, "パスワード変更", show, passwordForm())
		}, err)
	} else if len(current) > maxPasswordBytes || !verifyPassword(m.PasswordHash, current) {
		_ = s.db.Audit(store.AuditEvent{Actor: m.ID, Action: store.AuditPasswordChange, Remote: c.IP(), Result: store.ResultFailed})
		if _, err := s.db.LoginFailed(attempt); err != nil {
			return err
		}
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
		return s.web.InvalidForm(c, err, "パスワード変更", show, passwordForm())
	}
	if err := s.db.ChangePassword(m.ID, hashPassword(next), sess.ID, c.IP()); err != nil {
		return err
	}
	updated := *sess
	updated.PasswordOnly = s.cfg.CertMode == web.CertRequired && sess.CertSerial == ""
	if err := s.db.UpdateSession(updated); err != nil {
		return err
	}
	if updated.PasswordOnly {
		return web.Redirect(c, "/cert?done=password")
	}
	return web.Redirect(c, "/menu?done=password")
}
