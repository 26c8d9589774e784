package patient

import (
	"strings"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
	patientviews "hotline/views/patient"
)

const loginTitle = "患者様ページ ログイン"

// safeNext keeps a destination after login inside the patient page.
func safeNext(next string) string {
	next = web.SafeNext(next)
	path, _, _ := strings.Cut(next, "?")
	if !web.IsPatientPath(path) || strings.HasPrefix(strings.ToLower(path), "/patient/log") {
		return ""
	}
	return next
}

// showLogin is the login with the access card.
func (h *Handlers) showLogin(c *fiber.Ctx) error {
	if sess := web.SessionOf(c); sess != nil && sess.Kind == store.SessionPatient {
		return web.Redirect(c, "/patient")
	}
	return h.web.Render(c, loginTitle, patientviews.Login(patientviews.LoginView{
		Form: views.NewForm(store.PatientLoginSpec, nil), Next: safeNext(c.Query("next")),
		LoggedOut: c.Query("done") == "patient-logout"}))
}

// login checks the card's pair (throttled, audited by the store), starts a
// new patient session — a new ID at every login — and opens the page.
func (h *Handlers) login(c *fiber.Ctx) error {
	v := web.Bind(c, store.PatientLoginSpec)
	next := safeNext(c.FormValue("next"))
	show := func(err error) error {
		// The code is never shown again.
		f := views.NewForm(store.PatientLoginSpec, map[string]string{"patient_id": v["patient_id"]})
		return h.web.InvalidForm(c, err, loginTitle, func(f views.Form) templ.Component {
			return patientviews.Login(patientviews.LoginView{Form: f, Next: next})
		}, f)
	}
	p, err := h.db.PatientLogin(v["patient_id"], v["access_code"], c.IP())
	if err != nil {
		if store.ErrorCode(err) == store.ETHROTTLED {
			return h.web.Throttled(c, store.RetryAt(err), show, err)
		}
		return show(err)
	}
	if old := web.SessionOf(c); old != nil {
		_ = h.db.EndSession(old.ID)
	}
	token, sess, err := h.db.NewSession(store.Session{Kind: store.SessionPatient, PatientID: p.ID,
		Remote: c.IP(), UserAgent: clip(c.Get(fiber.HeaderUserAgent), 200)})
	if err != nil {
		return err
	}
	web.SetPatientSessionCookie(c, token)
	web.SetSession(c, &sess)
	if next == "" {
		next = "/patient"
	}
	return web.Redirect(c, next)
}

// logout ends the patient's session.
func (h *Handlers) logout(c *fiber.Ctx) error {
	if err := h.audit(c, store.AuditPatientLogout, "patient:"+patientOf(c).ID); err != nil {
		return err
	}
	if err := h.endSession(c); err != nil {
		return err
	}
	return web.Redirect(c, "/patient/login?done=patient-logout")
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
