package handlers

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/static"
	"hotline/store"
)

// The authorization matrix: every route of the route table, for every role,
// with the answer it must get. It runs with --client-cert required over
// real TLS, the production setting, so the certificate is part of every
// role: the member, the member of another facility and the operator present
// their own certificates (issued through the store, unpacked from the
// PKCS#12 file); the password-only colleague has none yet; the anonymous
// visitor has neither session nor certificate.
//
// A route without a row fails the test, and so does a row without a route,
// and a row answering 303 that does not say where to (loc): a 303 to
// /login or /prs/login is a refusal, never a success. Every GET row is also
// requested with HEAD, which must get the same answer without a body. Add
// one line per route to authzMatrix (and, when the path names an object, a
// fixture to authzFixtures that creates it).

// authzMatrix is keyed by "METHOD path" exactly as in Routes().
var authzMatrix = handlertest.Matrix{
	// Public pages.
	"GET /":                       handlertest.AllRoles(200),
	"GET /guide":                  handlertest.AllRoles(200),
	"GET /guide/:topic":           handlertest.With(handlertest.AllRoles(200), "/guide/flow"),
	"GET /inquiry":                handlertest.AllRoles(200),
	"POST /inquiry":               handlertest.AllRoles(422), // empty form
	"GET /inquiry/thanks/:number": handlertest.With(handlertest.AllRoles(200), "/inquiry/thanks/{inquiry}"),
	"GET /ca.crt":                 handlertest.AllRoles(200),
	"GET /static/*":               handlertest.With(handlertest.AllRoles(200), "{asset}"),
	"GET /favicon.ico":            handlertest.AllRoles(200),
	"GET /terms":                  handlertest.AllRoles(200),
	"GET /privacy":                handlertest.AllRoles(200),

	// Login and the first-login steps.
	"GET /login":     handlertest.To(handlertest.Roles(200, 200, 303, 303, 303), "/menu"),
	"POST /login":    handlertest.AllRoles(401), // empty form: wrong ID or password
	"POST /logout":   handlertest.To(handlertest.Roles(handlertest.Login, 303, 303, 303, 303), "/"),
	"GET /password":  handlertest.Roles(handlertest.Login, 200, 200, 200, 200),
	"POST /password": handlertest.Roles(handlertest.Login, 422, 422, 422, 422),

	// Member pages.
	"GET /menu": handlertest.Roles(handlertest.Login, 403, 200, 200, 200),

	// Application and review (利用申込・審査・資料郵送). Keys run in
	// order, so approve (409: not received yet) comes before received, and
	// the letters (410: none held, 409: nothing to mark mailed) before the
	// password resets that would make them.
	"GET /apply":                                                handlertest.AllRoles(200),
	"POST /apply":                                               handlertest.AllRoles(422),
	"GET /apply/receipt/:token":                                 handlertest.With(handlertest.AllRoles(200), "/apply/receipt/{receipt}"),
	"GET /apply/receipt/:token/member.pdf":                      handlertest.With(handlertest.AllRoles(200), "/apply/receipt/{receipt}/member.pdf"),
	"GET /apply/receipt/:token/facility.pdf":                    handlertest.With(handlertest.AllRoles(200), "/apply/receipt/{receipt}/facility.pdf"),
	"GET /admin/applications":                                   handlertest.OperatorOnly(200),
	"GET /admin/applications/:number":                           handlertest.With(handlertest.OperatorOnly(200), "/admin/applications/{application}"),
	"POST /admin/applications/:number/received":                 handlertest.With(handlertest.To(handlertest.OperatorOnly(303), "/admin/applications/{application}?done=updated"), "/admin/applications/{application}/received"),
	"POST /admin/applications/:number/approve":                  handlertest.With(handlertest.OperatorOnly(409), "/admin/applications/{application}/approve"),
	"POST /admin/applications/:number/reject":                   handlertest.With(handlertest.OperatorOnly(422), "/admin/applications/{application}/reject"),
	"POST /admin/applications/:number/notes":                    handlertest.With(handlertest.OperatorOnly(422), "/admin/applications/{application}/notes"),
	"POST /admin/applications/:number/mailed":                   handlertest.With(handlertest.OperatorOnly(409), "/admin/applications/{application}/mailed"),
	"GET /admin/applications/:number/letters":                   handlertest.With(handlertest.OperatorOnly(409), "/admin/applications/{application}/letters"),
	"GET /admin/applications/:number/letters/start-guide.pdf":   handlertest.With(handlertest.OperatorOnly(409), "/admin/applications/{application}/letters/start-guide.pdf"),
	"GET /admin/applications/:number/letters/facility-info.pdf": handlertest.With(handlertest.OperatorOnly(409), "/admin/applications/{application}/letters/facility-info.pdf"),
	"POST /admin/members/:id/reset-password":                    handlertest.With(handlertest.To(handlertest.OperatorOnly(303), "/admin/members/{subject}/letters"), "/admin/members/{subject}/reset-password"),
	"GET /admin/members/:id/letters":                            handlertest.With(handlertest.OperatorOnly(200), "/admin/members/{subject}/letters"),
	"GET /admin/members/:id/letters/start-guide.pdf":            handlertest.With(handlertest.OperatorOnly(410), "/admin/members/{subject}/letters/start-guide.pdf"),
	"POST /admin/members/:id/letters/mailed":                    handlertest.With(handlertest.OperatorOnly(409), "/admin/members/{subject}/letters/mailed"),
	"GET /admin/facilities":                                     handlertest.OperatorOnly(200),
	"GET /admin/facilities/:oid":                                handlertest.With(handlertest.OperatorOnly(200), "/admin/facilities/{subject_facility}"),
	"POST /admin/facilities/:oid/reset-password":                handlertest.With(handlertest.To(handlertest.OperatorOnly(303), "/admin/facilities/{subject_facility}/letters"), "/admin/facilities/{subject_facility}/reset-password"),
	"GET /admin/facilities/:oid/letters":                        handlertest.With(handlertest.OperatorOnly(200), "/admin/facilities/{subject_facility}/letters"),
	"GET /admin/facilities/:oid/letters/facility-info.pdf":      handlertest.With(handlertest.OperatorOnly(410), "/admin/facilities/{subject_facility}/letters/facility-info.pdf"),
	"POST /admin/facilities/:oid/letters/mailed":                handlertest.With(handlertest.OperatorOnly(409), "/admin/facilities/{subject_facility}/letters/mailed"),

	// Member pages (プロフィール・申請・関連サイト) and operator administration.
	"GET /profile":                               handlertest.Roles(handlertest.Login, 403, 200, 200, 200),
	"POST /profile":                              handlertest.Roles(handlertest.Login, 403, 422, 422, 422),
	"GET /links":                                 handlertest.Roles(handlertest.Login, 403, 200, 200, 200),
	"GET /requests":                              handlertest.Roles(handlertest.Login, 200, 200, 200, 200),
	"POST /requests":                             handlertest.Roles(handlertest.Login, 422, 422, 422, 422),
	"GET /admin":                                 handlertest.OperatorOnly(200),
	"GET /admin/login-holds":                     handlertest.OperatorOnly(200),
	"POST /admin/login-holds/clear":              handlertest.OperatorOnly(404),
	"GET /admin/members":                         handlertest.OperatorOnly(200),
	"GET /admin/members/:id":                     handlertest.With(handlertest.OperatorOnly(200), "/admin/members/{subject}"),
	"POST /admin/members/:id/lock":               handlertest.With(handlertest.To(handlertest.OperatorOnly(303), "/admin/members/{subject}?done=updated"), "/admin/members/{subject}/lock"),
	"POST /admin/members/:id/unlock":             handlertest.With(handlertest.To(handlertest.OperatorOnly(303), "/admin/members/{subject}?done=updated"), "/admin/members/{subject}/unlock"),
	"POST /admin/members/:id/withdraw":           handlertest.With(handlertest.To(handlertest.OperatorOnly(303), "/admin/members/{subject}?done=updated"), "/admin/members/{subject}/withdraw"),
	"POST /admin/members/:id/login-limits/clear": handlertest.With(handlertest.To(handlertest.OperatorOnly(303), "/admin/members/{subject}?done=updated"), "/admin/members/{subject}/login-limits/clear"),
	"GET /admin/inquiries":                       handlertest.OperatorOnly(200),
	"GET /admin/inquiries/:number":               handlertest.With(handlertest.OperatorOnly(200), "/admin/inquiries/{inquiry}"),
	"POST /admin/inquiries/:number":              handlertest.With(handlertest.OperatorOnly(422), "/admin/inquiries/{inquiry}"),
	"GET /admin/requests":                        handlertest.OperatorOnly(200),
	"GET /admin/requests/:id":                    handlertest.With(handlertest.OperatorOnly(200), "/admin/requests/{request}"),
	"POST /admin/requests/:id/approve":           handlertest.With(handlertest.To(handlertest.OperatorOnly(303), "/admin/requests/{request}?done=updated"), "/admin/requests/{request}/approve"),
	"POST /admin/requests/:id/reject":            handlertest.With(handlertest.OperatorOnly(422), "/admin/requests/{request}/reject"),
	"GET /admin/links":                           handlertest.OperatorOnly(200),
	"GET /admin/links/new":                       handlertest.OperatorOnly(200),
	"POST /admin/links":                          handlertest.OperatorOnly(422),
	"GET /admin/links/:id":                       handlertest.With(handlertest.OperatorOnly(200), "/admin/links/{link}"),
	"POST /admin/links/:id":                      handlertest.With(handlertest.OperatorOnly(422), "/admin/links/{link}"),
	"POST /admin/links/:id/delete":               handlertest.With(handlertest.To(handlertest.OperatorOnly(303), "/admin/links?done=updated"), "/admin/links/{link}/delete"),
	"GET /admin/settings":                        handlertest.OperatorOnly(200),
	"POST /admin/settings":                       handlertest.OperatorOnly(422),
	"GET /admin/operators":                       handlertest.OperatorOnly(200),
	"POST /admin/operators":                      handlertest.OperatorOnly(422),
	"POST /admin/operators/:id/lock":             handlertest.With(handlertest.To(handlertest.OperatorOnly(303), "/admin/operators?done=updated"), "/admin/operators/{operator2}/lock"),
	"POST /admin/operators/:id/unlock":           handlertest.With(handlertest.To(handlertest.OperatorOnly(303), "/admin/operators?done=updated"), "/admin/operators/{operator2}/unlock"),

	// Client certificates (証明書). {member_cert} is the member's second
	// certificate (not the one the role presents); {subject_cert} the
	// subject's.
	"GET /cert":                               handlertest.Roles(handlertest.Login, 200, 200, 200, 200),
	"POST /cert/issue":                        handlertest.Roles(handlertest.Login, 422, 422, 422, 422),
	"GET /cert/done":                          handlertest.AllRoles(200),
	"GET /certificates":                       handlertest.Roles(handlertest.Login, 403, 200, 200, 200),
	"POST /certificates/:serial/revoke":       handlertest.With(handlertest.To(handlertest.Roles(handlertest.Login, 403, 303, 404, 404), "/certificates?done=revoked"), "/certificates/{member_cert}/revoke"),
	"GET /admin/members/:id/certificates":     handlertest.With(handlertest.OperatorOnly(200), "/admin/members/{subject}/certificates"),
	"POST /admin/members/:id/grant-reissue":   handlertest.With(handlertest.To(handlertest.OperatorOnly(303), "/admin/members/{subject}/certificates?done=granted"), "/admin/members/{subject}/grant-reissue"),
	"POST /admin/certificates/:serial/revoke": handlertest.With(handlertest.To(handlertest.OperatorOnly(303), "/admin/members/{subject}/certificates?done=revoked"), "/admin/certificates/{subject_cert}/revoke"),
	"POST /admin/members/:id/shared-pc":       handlertest.With(handlertest.OperatorOnly(422), "/admin/members/{subject}/shared-pc"), // empty form: the PC's name is required

	// The drug master (薬価基準): any full session searches and reads
	// ({drug} is in the imported master); operators import.
	"GET /drugs":        handlertest.Roles(handlertest.Login, 403, 200, 200, 200),
	"GET /drugs/:code":  handlertest.With(handlertest.Roles(handlertest.Login, 403, 200, 200, 200), "/drugs/{drug}"),
	"GET /admin/drugs":  handlertest.OperatorOnly(200),
	"POST /admin/drugs": handlertest.OperatorOnly(422), // no file posted

	// 患者様登録ソフト (PRS). prs rows run with PRS unlocked for the member
	// and the other member (each for their own facility); {patient} is
	// registered by the member's facility and not linked to the other's.
	"GET /prs":                                 prsRow(200, 200, ""),
	"GET /prs/login":                           handlertest.To(prsRow(303, 303, ""), "/prs"),
	"POST /prs/login":                          prsRow(422, 422, ""),
	"POST /prs/lock":                           handlertest.To(prsRow(303, 303, ""), "/menu"),
	"GET /prs/facility":                        prsRow(200, 200, ""),
	"POST /prs/facility":                       handlertest.To(prsRow(303, 303, ""), "/prs/facility?done=prs-facility"), // fields not posted keep their values
	"GET /prs/linked":                          prsRow(200, 200, ""),
	"GET /prs/patients":                        prsRow(200, 200, ""),
	"POST /prs/patients":                       prsRow(422, 422, ""),
	"GET /prs/patients/new":                    prsRow(200, 200, ""),
	"GET /prs/patients/:id":                    prsRow(200, 404, "/prs/patients/{patient}"),
	"GET /prs/patients/:id/edit":               prsRow(200, 404, "/prs/patients/{patient}/edit"),
	"POST /prs/patients/:id/edit":              prsRow(409, 404, "/prs/patients/{patient}/edit"), // deactivate (sorted before) left it inactive
	"POST /prs/patients/:id/deactivate":        handlertest.To(prsRow(303, 404, "/prs/patients/{patient}/deactivate"), "/prs/patients/{patient}?done=prs-deactivated"),
	"POST /prs/patients/:id/reactivate":        handlertest.To(prsRow(303, 404, "/prs/patients/{patient}/reactivate"), "/prs/patients/{patient}?done=prs-reactivated"),
	"POST /prs/patients/:id/links":             prsRow(422, 404, "/prs/patients/{patient}/links"),
	"POST /prs/patients/:id/links/:oid/revoke": prsRow(404, 404, "/prs/patients/{patient}/links/{other_facility}/revoke"),
	"POST /prs/patients/:id/card":              prsRow(200, 404, "/prs/patients/{patient}/card"),

	// 薬局 (Web処方箋): none of the base cast belongs to a pharmacy; the
	// pharmacy's own matrix (handlers/pharmacy) runs its members.
	"GET /pharmacy":                  pharmacyRow(""),
	"GET /pharmacy/lookup":           pharmacyRow(""),
	"POST /pharmacy/lookup":          pharmacyRow(""),
	"GET /pharmacy/rx/:id":           pharmacyRow("/pharmacy/rx/RX0000000001"),
	"GET /pharmacy/rx/:id.pdf":       pharmacyRow("/pharmacy/rx/RX0000000001.pdf"),
	"POST /pharmacy/rx/:id/dispense": pharmacyRow("/pharmacy/rx/RX0000000001/dispense"),
	// 医療記録 (DMS): {record} was written by the member's facility about
	// {patient}, with one image; the other facility is not linked. Rows
	// sorted later see what earlier ones did (disclosed, then revoked).
	"GET /dms":                                    dmsRow(200, 200, ""),
	"GET /dms/records/new":                        dmsRow(200, 404, "/dms/records/new?patient={patient}"),
	"POST /dms/records":                           dmsForm(dmsRow(422, 404, ""), "patient_id", "{patient}"),
	"GET /dms/records/:id":                        dmsRow(200, 404, "/dms/records/{record}"),
	"GET /dms/records/:id/versions/:v":            dmsRow(200, 404, "/dms/records/{record}/versions/1"),
	"GET /dms/records/:id/attachments/:n":         dmsRow(200, 404, "/dms/records/{record}/attachments/1"),
	"GET /dms/records/:id/revise":                 dmsRow(200, 404, "/dms/records/{record}/revise"),
	"POST /dms/records/:id/disclosures":           handlertest.To(dmsForm(dmsRow(303, 404, "/dms/records/{record}/disclosures"), "to", "patient"), "/dms/records/{record}?done=dms-disclosed"),
	"POST /dms/records/:id/disclosures/:d/revoke": handlertest.To(dmsRow(303, 404, "/dms/records/{record}/disclosures/1/revoke"), "/dms/records/{record}?done=dms-revoked"),
	"POST /dms/records/:id/revise":                dmsRow(422, 404, "/dms/records/{record}/revise"),   // nothing posted: 表題 is required
	"POST /dms/records/:id/withdraw":              dmsRow(422, 404, "/dms/records/{record}/withdraw"), // no reason

	// Operations (監査ログ・バックアップ).
	"GET /admin/audit":           handlertest.OperatorOnly(200),
	"GET /admin/audit.csv":       handlertest.OperatorOnly(200),
	"GET /admin/backup":          handlertest.OperatorOnly(200),
	"GET /admin/backup/download": handlertest.OperatorOnly(200),
	"POST /admin/backup/run":     handlertest.OperatorOnly(409), // no --backup-dir in the test
	"GET /admin/health":          handlertest.OperatorOnly(200),

	// Web処方箋 (handlers/rx has the full matrix with nurses and pharmacies).
	"GET /rx":                      handlertest.Roles(handlertest.Login, 403, 200, 200, 403),
	"POST /rx":                     handlertest.Roles(handlertest.Login, 403, 422, 422, 403), // nothing posted
	"GET /rx/new":                  handlertest.Roles(handlertest.Login, 403, 404, 404, 403),
	"GET /rx/new/line":             handlertest.With(handlertest.Roles(handlertest.Login, 403, 200, 200, 403), "/rx/new/line?n=0"),
	"GET /rx/drugs":                handlertest.With(handlertest.Roles(handlertest.Login, 403, 200, 200, 403), "/rx/drugs?n=0&q=a"),
	"POST /rx/check":               handlertest.Roles(handlertest.Login, 403, 404, 404, 403),
	"GET /rx/presets":              handlertest.Roles(handlertest.Login, 403, 200, 200, 403),
	"POST /rx/presets":             handlertest.Roles(handlertest.Login, 403, 422, 422, 403), // no name
	"GET /rx/presets/:pid/lines":   handlertest.With(handlertest.Roles(handlertest.Login, 403, 404, 404, 403), "/rx/presets/none/lines?n=0"),
	"POST /rx/presets/:pid/rename": handlertest.With(handlertest.Roles(handlertest.Login, 403, 422, 422, 403), "/rx/presets/none/rename"),
	"POST /rx/presets/:pid/delete": handlertest.With(handlertest.Roles(handlertest.Login, 403, 404, 404, 403), "/rx/presets/none/delete"),
	"GET /rx/:id.pdf":              handlertest.With(handlertest.Roles(handlertest.Login, 403, 404, 404, 403), "/rx/RX0000000999.pdf"),
	"GET /rx/:id":                  handlertest.With(handlertest.Roles(handlertest.Login, 403, 404, 404, 403), "/rx/RX0000000999"),
	"POST /rx/:id/cancel":          handlertest.With(handlertest.Roles(handlertest.Login, 403, 404, 404, 403), "/rx/RX0000000999/cancel"),

	// 地域連携. The member's facility sent {letter}, {letter2}, {letter3}
	// and {replied} to the other's facility; {draft} and {draft2} are the
	// member's drafts. Facility members only; operators have none (403).
	"GET /members":                        refRow(200, 200, ""),
	"GET /referrals":                      refRow(200, 200, ""),
	"GET /referrals/sent":                 refRow(200, 200, ""),
	"GET /referrals/drafts":               refRow(200, 200, ""),
	"GET /referrals/unread":               refRow(200, 200, ""),
	"GET /referrals/new":                  refRow(200, 200, ""),
	"POST /referrals/new":                 refRow(422, 422, ""), // empty form
	"GET /referrals/:id":                  refRow(200, 200, "/referrals/{letter}"),
	"GET /referrals/:id.pdf":              refRow(200, 200, "/referrals/{letter}.pdf"),
	"GET /referrals/:id/attachments/:att": refRow(200, 200, "/referrals/{letter}/attachments/{letter_att}"),
	"GET /referrals/:id/reply.pdf":        refRow(200, 200, "/referrals/{replied}/reply.pdf"),
	"POST /referrals/:id/complete":        handlertest.To(refRow(303, 403, "/referrals/{letter2}/complete"), "/referrals/{letter2}?done=referral-completed"),
	"POST /referrals/:id/delete":          handlertest.To(refRow(303, 404, "/referrals/{draft}/delete"), "/referrals/drafts?done=referral-deleted"),
	"POST /referrals/:id/edit":            refRow(409, 403, "/referrals/{letter3}/edit"),  // a sent letter is no draft
	"POST /referrals/:id/reply":           refRow(403, 422, "/referrals/{letter3}/reply"), // the sender may not reply; empty form

	// The patient page (handlers/patient, where its own matrix also runs
	// the patients): no member session is read there, so members are sent
	// to the patient login, and their posts carry a token of a session
	// that does not exist there (403).
	"GET /patient":                            handlertest.AllRoles(handlertest.Login),
	"GET /patient/access":                     handlertest.AllRoles(handlertest.Login),
	"GET /patient/login":                      handlertest.AllRoles(200),
	"GET /patient/records/:id":                handlertest.With(handlertest.AllRoles(handlertest.Login), "/patient/records/R000001"),
	"GET /patient/records/:id/attachments/:n": handlertest.With(handlertest.AllRoles(handlertest.Login), "/patient/records/R000001/attachments/1"),
	"POST /patient/login":                     handlertest.Roles(422, 403, 403, 403, 403),
	"POST /patient/logout":                    handlertest.Roles(handlertest.Login, 403, 403, 403, 403),
}

// refRow is a 地域連携 route: facility members only; member is the sending
// facility's, other the receiving one's.
func refRow(member, other int, path string) handlertest.Row {
	r := handlertest.Roles(handlertest.Login, 403, member, other, 403)
	r.Path = path
	return r
}

// newAuthzWorld creates the cast and the objects rows name as {name}.
func newAuthzWorld(t testing.TB, env *handlertest.Env) (*handlertest.World, map[string]string) {
	t.Helper()
	w := handlertest.NewWorld(t, env)
	fixtures := map[string]string{}
	for _, fx := range authzFixtures {
		for k, v := range fx(t, w) {
			fixtures[k] = v
		}
	}
	return w, fixtures
}

// prsRow is a PRS route: facility members only (operators have no
// facility), with PRS unlocked; other is the member of another facility.
func prsRow(member, other int, path string) handlertest.Row {
	r := handlertest.Roles(handlertest.Login, 403, member, other, 403)
	r.Path, r.PRS = path, true
	return r
}

// pharmacyRow is a pharmacy route: 403 for every member who is not of a
// pharmacy.
func pharmacyRow(path string) handlertest.Row {
	return handlertest.With(handlertest.Roles(handlertest.Login, 403, 403, 403, 403), path)
}

// dmsRow is a DMS route: facility members only; other is the member of a
// facility the record was not disclosed to.
func dmsRow(member, other int, path string) handlertest.Row {
	r := handlertest.Roles(handlertest.Login, 403, member, other, 403)
	r.Path = path
	return r
}

// dmsForm sets a row's posted field.
func dmsForm(r handlertest.Row, k, v string) handlertest.Row {
	r.Form = url.Values{k: {v}}
	return r
}

// authzFixtures create the objects rows name as {name}. Objects that belong
// to a facility belong to w.Facility (the member's), so the member of
// another facility must not reach them. {subject} and {subject_facility}
// are a member and a facility the operator administers that are none of
// the roles (resetting a role's password would end the test).
var authzFixtures = []func(t testing.TB, w *handlertest.World) map[string]string{
	// The small drug master.
	func(t testing.TB, w *handlertest.World) map[string]string {
		handlertest.ImportDrugList(t, w.DB)
		return map[string]string{"drug": handlertest.DrugLoxonin}
	},
	func(t testing.TB, w *handlertest.World) map[string]string {
		q, err := w.DB.CreateInquiry(store.InquiryForm{Name: "問合 太郎", Email: "q@example.jp", Subject: "件名", Body: "本文"}, "")
		if err != nil {
			t.Fatal(err)
		}
		subject, f, err := w.DB.CreateTestMember(store.TestMemberSpec{Name: "対象 四郎", Password: "subject-Pass-2345"})
		if err != nil {
			t.Fatal(err)
		}
		op2, _, err := w.DB.CreateTestMember(store.TestMemberSpec{Name: "運営 二号", Password: "operator2-Pass-2345", Operator: true})
		if err != nil {
			t.Fatal(err)
		}
		return map[string]string{"inquiry": q.Number, "asset": static.Path("css/app.css"), "subject": subject.ID,
			"subject_facility": f.OID, "operator2": op2.ID, "other_facility": w.OtherFacility}
	},
	// Certificates: a second one of the member's, one of the subject's.
	func(t testing.TB, w *handlertest.World) map[string]string {
		if err := w.DB.GrantCertificateReissue(w.Member.ID, "admin", ""); err != nil {
			t.Fatal(err)
		}
		subject, err := w.DB.Members(func(m store.Member) bool { return m.Name == "対象 四郎" })
		if err != nil || len(subject) != 1 {
			t.Fatal("subject", err)
		}
		serial := func(id string) string {
			issued, err := w.DB.IssueCertificate(id, store.CertificateRequest{Device: "予備PC", Passphrase: handlertest.TestPassphrase, PassphraseConfirm: handlertest.TestPassphrase}, 24*time.Hour, "")
			if err != nil {
				t.Fatal(err)
			}
			return issued.Record.Serial
		}
		return map[string]string{"member_cert": serial(w.Member.ID), "subject_cert": serial(subject[0].ID)}
	},
	// A 申請 (certificate reissue) by the member, a related site link.
	func(t testing.TB, w *handlertest.World) map[string]string {
		r, err := w.DB.CreateRequest(w.Member.ID, store.RequestForm{Kind: store.RequestCertReissue, Body: "受付PCを入れ替えました。"}, "")
		if err != nil {
			t.Fatal(err)
		}
		l, err := w.DB.SaveSiteLink("", store.SiteLinkForm{Title: "医師会", URL: "https://example.jp/", Order: "1"}, "admin", "")
		if err != nil {
			t.Fatal(err, store.ErrorFields(err))
		}
		return map[string]string{"request": r.ID, "link": l.ID}
	},
	// A patient of the member's facility.
	func(t testing.TB, w *handlertest.World) map[string]string {
		p, err := w.DB.RegisterPatient(store.PRSActor{MemberID: w.Member.ID, FacilityOID: w.Facility}, store.PatientForm{
			Name: "患者 花子", NameKana: "カンジャ ハナコ", BirthDate: "1970-04-01", Sex: "female"})
		if err != nil {
			t.Fatal(err, store.ErrorFields(err))
		}
		rec, err := w.DB.CreateRecord(store.PRSActor{MemberID: w.Member.ID, FacilityOID: w.Facility}, store.RecordForm{
			PatientID: p.ID, Kind: "imaging", Title: "胸部X線", RecordedOn: "2026-03-01",
			Files: []store.Upload{store.UploadBytes("胸部.png", store.SamplePNG(16, 16, 1))}})
		if err != nil {
			t.Fatal(err, store.ErrorFields(err))
		}
		return map[string]string{"patient": p.ID, "record": rec.ID}
	},
	// Letters from the member's facility to the other's, about a patient
	// linked to it; drafts of the member's.
	func(t testing.TB, w *handlertest.World) map[string]string {
		pa := store.PRSActor{MemberID: w.Member.ID, FacilityOID: w.Facility}
		p, err := w.DB.RegisterPatient(pa, store.PatientForm{Name: "紹介 太郎", NameKana: "ショウカイ タロウ", BirthDate: "1950-01-01", Sex: "male"})
		if err != nil {
			t.Fatal(err, store.ErrorFields(err))
		}
		if _, err := w.DB.LinkPatient(pa, p.ID, store.LinkForm{FacilityOID: w.OtherFacility, Consent: "on", ConsentMethod: "written"}); err != nil {
			t.Fatal(err)
		}
		a := store.ReferralActor{MemberID: w.Member.ID, FacilityOID: w.Facility}
		form := store.ReferralForm{ToFacility: w.OtherFacility, PatientID: p.ID, Diagnosis: "高血圧症", Purpose: "精査のお願い"}
		fx := map[string]string{}
		for _, name := range []string{"letter", "letter2", "letter3", "replied", "draft", "draft2"} {
			var files []store.Upload
			if name == "letter" {
				files = []store.Upload{store.UploadBytes("検査.pdf", store.SamplePDF(0, 1))}
			}
			r, err := w.DB.SaveReferral(a, "", form, files, !strings.HasPrefix(name, "draft"))
			if err != nil {
				t.Fatal(err, store.ErrorFields(err))
			}
			fx[name] = r.ID
			if name == "letter" {
				fx["letter_att"] = r.Attachments[0].ID
			}
		}
		b := store.ReferralActor{MemberID: w.Other.ID, FacilityOID: w.OtherFacility}
		if _, err := w.DB.ReplyReferral(b, fx["replied"], store.ReplyForm{VisitedOn: "2026-01-05", Body: "ご紹介ありがとうございました。"}); err != nil {
			t.Fatal(err, store.ErrorFields(err))
		}
		return fx
	},
	// An application for a new facility, as submitted (not yet received).
	func(t testing.TB, w *handlertest.World) map[string]string {
		a, token, err := w.DB.CreateApplication(store.ApplicationForm{Name: "申込 五郎", NameKana: "モウシコミ ゴロウ", Qualification: "doctor", LicenseNumber: "123456",
			Email: "goro@example.jp", Phone: "03-1234-5678", FacilityChoice: "new", FacilityName: "申込内科", FacilityKind: "clinic",
			FacilityCode: "0110113719", FacilityPostal: "100-0001", FacilityAddress: "東京都千代田区千代田1-1", FacilityPhone: "03-1234-0001"}, "")
		if err != nil {
			t.Fatal(err, store.ErrorFields(err))
		}
		return map[string]string{"application": a.Number, "receipt": token}
	},
}

func TestAuthorizationMatrix(t *testing.T) {
	env := newTestEnv(t, web.CertRequired)
	base := env.Listen(t)
	w, fixtures := newAuthzWorld(t, env)
	handlertest.RunMatrix(t, w.Roles(t, env, base), srvOf(env).Routes(), authzMatrix, fixtures)
}
