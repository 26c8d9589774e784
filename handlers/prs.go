package handlers

import (
	"net/url"
	"strings"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"hotline/store"
	"hotline/views"
)

// 患者様登録ソフト (PRS): inside the member's session, PRS asks once more for
// the facility's OID and facility password; the unlock is kept in the
// session (Session.PRSFacility) and holds only for the member's own
// facility.

const localPRS = "prs"

// prsUnlocked reports whether the session has unlocked PRS for the
// member's current facility.
func prsUnlocked(c *fiber.Ctx) bool {
	m, sess := memberOf(c), sessionOf(c)
	return m != nil && sess != nil && m.FacilityOID != "" && sess.PRSFacility == m.FacilityOID
}

// prs wraps a PRS handler: without the unlock it answers 303 to
// /prs/login (htmx requests are told to load it as a whole page).
func (s *Server) prs(h fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if !prsUnlocked(c) {
			to := "/prs/login"
			if isRead(c) {
				to += "?next=" + url.QueryEscape(string(c.Request().URI().RequestURI()))
			}
			if c.Get("HX-Request") == "true" && c.Get("HX-Boosted") != "true" {
				c.Set("HX-Redirect", to)
				return c.SendStatus(fiber.StatusNoContent)
			}
			return redirect(c, to)
		}
		m := memberOf(c)
		f, err := s.db.Facility(m.FacilityOID)
		if err != nil {
			return err
		}
		if !f.Active {
			return store.Errorf(store.EFORBIDDEN, "この施設（%s）は利用停止中のため、患者様登録ソフトは利用できません。運営者にお問い合わせください。", f.OID)
		}
		c.Locals(localPRS, &store.PRSActor{MemberID: m.ID, FacilityOID: m.FacilityOID, Remote: c.IP()})
		c.Locals(localPRSFacility, f.Name)
		return h(c)
	}
}

const localPRSFacility = "prs-facility"

// prsActor is who acts in a PRS handler (set by prs).
func prsActor(c *fiber.Ctx) store.PRSActor {
	a, _ := c.Locals(localPRS).(*store.PRSActor)
	return *a
}

// prsNav is the PRS header for the actor's facility.
func (s *Server) prsNav(c *fiber.Ctx, active string) views.PRSNav {
	name, _ := c.Locals(localPRSFacility).(string)
	return views.PRSNav{Active: active, FacilityOID: prsActor(c).FacilityOID, FacilityName: name}
}

// renderPartial answers an htmx request with a fragment only (no layout).
func (s *Server) renderPartial(c *fiber.Ctx, comp templ.Component) error {
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	ctx := views.WithCSRF(c.UserContext(), func() string { return s.csrfToken(c) })
	return comp.Render(ctx, c.Response().BodyWriter())
}

// prsFlash maps PRS's ?done= keys to their confirmation (the shared keys
// of flashText are left alone).
func prsFlash(c *fiber.Ctx) string {
	switch c.Query("done") {
	case "prs-registered":
		return "患者様を登録しました。"
	case "prs-updated":
		return "患者情報を修正しました。"
	case "prs-linked":
		return "連携しました。連携先の施設の「連携患者」に表示されます。"
	case "prs-unlinked":
		return "連携を解除しました（記録は履歴に残ります）。"
	case "prs-deactivated":
		return "患者様を無効にしました。"
	case "prs-reactivated":
		return "患者様を再び有効にしました。"
	case "prs-facility":
		return "施設情報を保存しました。"
	case "prs-facility-password":
		return "施設パスワードを変更しました。"
	}
	return ""
}

// showPRSLogin is the facility unlock form.
func (s *Server) showPRSLogin(c *fiber.Ctx) error {
	if prsUnlocked(c) {
		return redirect(c, "/prs")
	}
	return s.render(c, "患者様登録ソフト 施設認証", views.PRSLogin(views.PRSLoginView{
		Form: views.Form{Labels: views.PRSLoginLabels}, Next: safePRSNext(c.Query("next"))}))
}

// prsLogin checks the facility OID and password and unlocks PRS for this
// session.
func (s *Server) prsLogin(c *fiber.Ctx) error {
	m, sess := memberOf(c), sessionOf(c)
	oid, password := c.FormValue("oid"), c.FormValue("password")
	next := safePRSNext(c.FormValue("next"))
	fe := store.FieldErrors{}
	if oid == "" {
		fe.Add("oid", "施設ID（OID）を入力してください")
	}
	if password == "" {
		fe.Add("password", "施設パスワードを入力してください")
	}
	err := fe.Err()
	if err == nil {
		_, err = s.db.PRSUnlock(m.ID, oid, password, c.IP())
	}
	if err != nil {
		show := func(err error) error {
			return s.invalidForm(c, err, "患者様登録ソフト 施設認証", func(f views.Form) templ.Component {
				return views.PRSLogin(views.PRSLoginView{Form: f, Next: next})
			}, views.Form{Values: map[string]string{"oid": oid}, Labels: views.PRSLoginLabels, Order: []string{"oid", "password"}})
		}
		if store.ErrorCode(err) == store.ETHROTTLED {
			// Held like a login (429, with Retry-After).
			return s.throttled(c, store.RetryAt(err), show, err)
		}
		return show(err)
	}
	updated := *sess
	updated.PRSFacility = m.FacilityOID
	if err := s.db.UpdateSession(updated); err != nil {
		return err
	}
	if next != "" {
		return redirect(c, next)
	}
	return redirect(c, "/prs")
}

// prsLock ends the PRS unlock of this session (PRSを終了).
func (s *Server) prsLock(c *fiber.Ctx) error {
	sess := sessionOf(c)
	if sess.PRSFacility != "" {
		updated := *sess
		updated.PRSFacility = ""
		if err := s.db.UpdateSession(updated); err != nil {
			return err
		}
		_ = s.db.Audit(store.AuditEvent{Actor: sess.MemberID, Action: "prs.lock", Remote: c.IP()})
	}
	return redirect(c, "/menu")
}

// safePRSNext accepts only PRS pages (not the unlock itself) as the place
// to return to.
func safePRSNext(next string) string {
	next = safeNext(next)
	if next != "/prs" && !strings.HasPrefix(next, "/prs/") && !strings.HasPrefix(next, "/prs?") {
		return ""
	}
	if strings.HasPrefix(next, "/prs/login") || strings.HasPrefix(next, "/prs/lock") {
		return ""
	}
	return next
}
