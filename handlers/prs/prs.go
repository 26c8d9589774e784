package prs

import (
	"net/url"
	"strings"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
	prsviews "hotline/views/prs"
)

// 患者様登録ソフト (PRS): inside the member's session, PRS asks once more for
// the facility's OID and facility password; the unlock is kept in the
// session (Session.PRSFacility) and holds only for the member's own
// facility.

const localPRS = "prs"

// prsUnlocked reports whether the session has unlocked PRS for the
// member's current facility.
func prsUnlocked(c *fiber.Ctx) bool {
	m, sess := web.MemberOf(c), web.SessionOf(c)
	return m != nil && sess != nil && m.FacilityOID != "" && sess.PRSFacility == m.FacilityOID
}

// prs wraps a PRS handler: without the unlock it answers 303 to
// /prs/login (htmx requests are told to load it as a whole page).
func (h *Handlers) prs(next fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if !prsUnlocked(c) {
			to := "/prs/login"
			if web.IsRead(c) {
				to += "?next=" + url.QueryEscape(string(c.Request().URI().RequestURI()))
			}
			if c.Get("HX-Request") == "true" && c.Get("HX-Boosted") != "true" {
				c.Set("HX-Redirect", to)
				return c.SendStatus(fiber.StatusNoContent)
			}
			return web.Redirect(c, to)
		}
		m := web.MemberOf(c)
		f, err := h.db.Facility(m.FacilityOID)
		if err != nil {
			return err
		}
		if !f.Active {
			return store.Errorf(store.EFORBIDDEN, "この施設（%s）は利用停止中のため、患者様登録ソフトは利用できません。運営者にお問い合わせください。", f.OID)
		}
		c.Locals(localPRS, &store.PRSActor{MemberID: m.ID, FacilityOID: m.FacilityOID, Remote: c.IP()})
		c.Locals(localPRSFacility, f.Name)
		return next(c)
	}
}

const localPRSFacility = "prs-facility"

// prsActor is who acts in a PRS handler (set by prs).
func prsActor(c *fiber.Ctx) store.PRSActor {
	a, _ := c.Locals(localPRS).(*store.PRSActor)
	return *a
}

// prsNav is the PRS header for the actor's facility.
func (h *Handlers) prsNav(c *fiber.Ctx, active string) prsviews.PRSNav {
	name, _ := c.Locals(localPRSFacility).(string)
	return prsviews.PRSNav{Active: active, FacilityOID: prsActor(c).FacilityOID, FacilityName: name}
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
	case "prs-card":
		return "アクセスカードを発行しました。以前のカードのアクセスコードは使えなくなりました。"
	}
	return ""
}

// showPRSLogin is the facility unlock form.
func (h *Handlers) showPRSLogin(c *fiber.Ctx) error {
	if prsUnlocked(c) {
		return web.Redirect(c, "/prs")
	}
	// The member's own facility is the only one PRS unlocks for: its OID
	// is filled in, the password is left to type.
	return h.web.Render(c, "患者様登録ソフト 施設認証", prsviews.PRSLogin(prsviews.PRSLoginView{
		Form: views.NewForm(store.PRSUnlockSpec, map[string]string{"oid": web.MemberOf(c).FacilityOID}), Next: safePRSNext(c.Query("next"))}))
}

// prsLogin checks the facility OID and password and unlocks PRS for this
// session.
func (h *Handlers) prsLogin(c *fiber.Ctx) error {
	m, sess := web.MemberOf(c), web.SessionOf(c)
	v := web.Bind(c, store.PRSUnlockSpec)
	oid, password := v["oid"], v["password"]
	next := safePRSNext(c.FormValue("next"))
	fe := store.FieldErrors{}
	store.PRSUnlockSpec.CheckRequired(fe, v)
	err := fe.Err()
	if err == nil {
		_, err = h.db.PRSUnlock(m.ID, oid, password, c.IP())
	}
	if err != nil {
		show := func(err error) error {
			return h.web.InvalidForm(c, err, "患者様登録ソフト 施設認証", func(f views.Form) templ.Component {
				return prsviews.PRSLogin(prsviews.PRSLoginView{Form: f, Next: next})
			}, views.NewForm(store.PRSUnlockSpec, map[string]string{"oid": oid}))
		}
		if store.ErrorCode(err) == store.ETHROTTLED {
			// Held like a login (429, with Retry-After).
			return h.web.Throttled(c, store.RetryAt(err), show, err)
		}
		return show(err)
	}
	updated := *sess
	updated.PRSFacility = m.FacilityOID
	if err := h.db.UpdateSession(updated); err != nil {
		return err
	}
	if next != "" {
		return web.Redirect(c, next)
	}
	return web.Redirect(c, "/prs")
}

// prsLock ends the PRS unlock of this session (PRSを終了).
func (h *Handlers) prsLock(c *fiber.Ctx) error {
	sess := web.SessionOf(c)
	if sess.PRSFacility != "" {
		updated := *sess
		updated.PRSFacility = ""
		if err := h.db.UpdateSession(updated); err != nil {
			return err
		}
		_ = h.db.Audit(store.AuditEvent{Actor: sess.MemberID, Action: store.AuditPRSLock, Remote: c.IP()})
	}
	return web.Redirect(c, "/menu")
}

// safePRSNext accepts only PRS pages (not the unlock itself) as the place
// to return to.
func safePRSNext(next string) string {
	next = web.SafeNext(next)
	if next != "/prs" && !strings.HasPrefix(next, "/prs/") && !strings.HasPrefix(next, "/prs?") {
		return ""
	}
	if strings.HasPrefix(next, "/prs/login") || strings.HasPrefix(next, "/prs/lock") {
		return ""
	}
	return next
}
