// Package prs is 患者様登録ソフト (PRS): registering a facility's patients,
// finding them, linking them to other facilities with the patient's
// consent, and printing the patient's access card. Inside the member's
// session PRS asks once more for the facility's OID and facility password
// (prs.go).
//
// Each screen action has its file and its test beside it; prs_test.go
// holds what the screens share (the unlock, the authorization rows).
package prs

import (
	"hotline/handlers/web"
	"hotline/store"
)

// Handlers are PRS's screens.
type Handlers struct {
	db  *store.DB
	web *web.Kit
}

// New builds PRS's screens on the server's store and page kit.
func New(db *store.DB, kit *web.Kit) *Handlers {
	return &Handlers{db: db, web: kit}
}

// Routes is PRS's route table; every route needs a facility member.
func (h *Handlers) Routes() []web.Route {
	fm := web.FacilityMember
	return []web.Route{
		web.Get("/prs", fm, h.prs(h.showPatientList)),
		web.Get("/prs/login", fm, h.showPRSLogin),
		web.Post("/prs/login", fm, h.prsLogin),
		web.Post("/prs/lock", fm, h.prsLock),
		web.Get("/prs/facility", fm, h.prs(h.showPRSFacility)),
		web.Post("/prs/facility", fm, h.prs(h.savePRSFacility)),
		web.Get("/prs/linked", fm, h.prs(h.showLinkedPatients)),
		web.Get("/prs/patients", fm, h.prs(h.showPatientList)),
		web.Post("/prs/patients", fm, h.prs(h.savePatient)),
		web.Get("/prs/patients/new", fm, h.prs(h.showNewPatient)),
		web.Get("/prs/patients/:id", fm, h.prs(h.showPatient)),
		web.Get("/prs/patients/:id/edit", fm, h.prs(h.showEditPatient)),
		web.Post("/prs/patients/:id/edit", fm, h.prs(h.updatePatient)),
		web.Post("/prs/patients/:id/deactivate", fm, h.prs(h.setPatientActive(false))),
		web.Post("/prs/patients/:id/reactivate", fm, h.prs(h.setPatientActive(true))),
		web.Post("/prs/patients/:id/links", fm, h.prs(h.savePatientLink)),
		web.Post("/prs/patients/:id/links/:oid/revoke", fm, h.prs(h.revokePatientLink)),
		web.Post("/prs/patients/:id/card", fm, h.prs(h.printPatientCard)),
	}
}
