// Package pharmacy is the pharmacy's side of Web処方箋 (薬局): finding a
// prescription by its 照会番号 and the patient's birth date, seeing it as
// printed with its status, and recording each dispensing (調剤済). Only
// members of a pharmacy facility reach these screens (403 for everyone
// else with a facility; operators have none); a pharmacy reaches only the
// prescriptions it looked up (404 otherwise).
//
// Each screen action has its file and its test beside it; pharmacy_test.go
// holds the authorization matrix over every route (handlers.go) and role, fuzz_test.go
// the fuzz targets of the lookup and the dispensing, and
// pharmacy_browser_test.go the flow in Chromium with client certificates.
package pharmacy

import (
	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
)

// Handlers are the pharmacy's screens.
type Handlers struct {
	db  *store.DB
	web *web.Kit
}

// New builds the pharmacy's screens on the server's store and page kit.
func New(db *store.DB, kit *web.Kit) *Handlers {
	return &Handlers{db: db, web: kit}
}

// Routes is the pharmacy's route table; every route needs a member of a
// pharmacy (checked by pharmacy).
func (h *Handlers) Routes() []web.Route {
	fm := web.FacilityMember
	return []web.Route{
		web.Get("/pharmacy", fm, h.pharmacy(h.showLookup)),
		web.Get("/pharmacy/lookup", fm, h.pharmacy(h.showLookup)),
		web.Post("/pharmacy/lookup", fm, h.pharmacy(h.lookupPrescription)),
		web.Get("/pharmacy/rx/:id.pdf", fm, h.pharmacy(h.web.Download(h.prescriptionPDF))),
		web.Get("/pharmacy/rx/:id", fm, h.pharmacy(h.showPrescription)),
		web.Post("/pharmacy/rx/:id/dispense", fm, h.pharmacy(h.dispensePrescription)),
	}
}

const (
	localActor    = "pharmacy-actor"
	localPharmacy = "pharmacy-facility"
)

// pharmacy wraps a handler: only a member of an active pharmacy gets
// through (403 with the reason otherwise).
func (h *Handlers) pharmacy(next fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		a, f, err := h.db.PharmacyMember(web.MemberOf(c).ID, c.IP())
		if err != nil {
			return err
		}
		c.Locals(localActor, &a)
		c.Locals(localPharmacy, f.Name)
		return next(c)
	}
}

// actor is who acts in a pharmacy handler (set by pharmacy).
func actor(c *fiber.Ctx) store.PharmacyActor {
	a, _ := c.Locals(localActor).(*store.PharmacyActor)
	return *a
}

// pharmacyName is the actor's pharmacy.
func pharmacyName(c *fiber.Ctx) string {
	s, _ := c.Locals(localPharmacy).(string)
	return s
}

// flash maps the pharmacy's ?done= keys to their confirmation.
func flash(c *fiber.Ctx) string {
	switch c.Query("done") {
	case "dispensed":
		return "調剤済を記録しました。処方元の医療機関の画面にも表示されます。"
	}
	return ""
}
