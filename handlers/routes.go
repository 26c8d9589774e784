package handlers

import "github.com/gofiber/fiber/v2"

// Access is who may reach a route; guard enforces it before the handler.
type Access int

const (
	// Public: anyone. Anonymous GETs create no session and write nothing.
	Public Access = iota
	// Pending: any member session, also a password-only one (first login:
	// password change, certificate issue, reissue request, logout).
	Pending
	// Member: a full session (password changed, certificate checked),
	// members and operators alike.
	Member
	// FacilityMember: a full session of a member who belongs to a facility
	// (operators have none and get 403).
	FacilityMember
	// Operator: a full operator session.
	Operator
	// Patient: a patient's session from the access card.
	Patient
)

func (a Access) String() string {
	return [...]string{"public", "pending", "member", "facility-member", "operator", "patient"}[a]
}

// Route is one line of the route table.
type Route struct {
	Method  string
	Path    string
	Access  Access
	Handler fiber.Handler
}

// Routes is the route table: every path the server answers.
func (s *Server) Routes() []Route {
	const get, post = fiber.MethodGet, fiber.MethodPost
	return []Route{
		// Public pages.
		{get, "/", Public, s.showHome},
		{get, "/guide", Public, s.showGuide},
		{get, "/guide/:topic", Public, s.showGuide},
		{get, "/inquiry", Public, s.showInquiryForm},
		{post, "/inquiry", Public, s.saveInquiry},
		{get, "/inquiry/thanks/:number", Public, s.showInquiryThanks},
		{get, "/ca.crt", Public, s.download(s.serverCAFile)},
		{get, "/static/*", Public, s.serveStatic},

		// Login and the first-login steps.
		{get, "/login", Public, s.showLogin},
		{post, "/login", Public, s.login},
		{post, "/logout", Pending, s.logout},
		{get, "/password", Pending, s.showPasswordForm},
		{post, "/password", Pending, s.savePassword},

		// Member pages.
		{get, "/menu", Member, s.showMenu},

		// Application and review (利用申込・審査・資料郵送).
		{get, "/apply", Public, s.showApplyForm},
		{post, "/apply", Public, s.saveApplication},
		{get, "/apply/receipt/:token", Public, s.showApplicationReceipt},
		{get, "/apply/receipt/:token/member.pdf", Public, s.download(s.applicationMemberFormFile)},
		{get, "/apply/receipt/:token/facility.pdf", Public, s.download(s.applicationFacilityFormFile)},
		{get, "/admin/applications", Operator, s.showApplicationList},
		{get, "/admin/applications/:number", Operator, s.showApplication},
		{post, "/admin/applications/:number/received", Operator, s.receiveApplication},
		{post, "/admin/applications/:number/approve", Operator, s.approveApplication},
		{post, "/admin/applications/:number/reject", Operator, s.rejectApplication},
		{post, "/admin/applications/:number/notes", Operator, s.addApplicationNote},
		{post, "/admin/applications/:number/mailed", Operator, s.markApplicationMailed},
		{get, "/admin/applications/:number/letters", Operator, s.showApplicationLetters},
		{get, "/admin/applications/:number/letters/start-guide.pdf", Operator, s.download(s.applicationStartGuideFile)},
		{get, "/admin/applications/:number/letters/facility-info.pdf", Operator, s.download(s.applicationFacilityInfoFile)},
		{post, "/admin/members/:id/reset-password", Operator, s.resetMemberPassword},
		{get, "/admin/members/:id/letters", Operator, s.showMemberLetters},
		{get, "/admin/members/:id/letters/start-guide.pdf", Operator, s.download(s.memberStartGuideFile)},
		{post, "/admin/members/:id/letters/mailed", Operator, s.markMemberLettersMailed},
		{get, "/admin/facilities", Operator, s.showFacilityList},
		{get, "/admin/facilities/:oid", Operator, s.showFacility},
		{post, "/admin/facilities/:oid/reset-password", Operator, s.resetFacilityPassword},
		{get, "/admin/facilities/:oid/letters", Operator, s.showFacilityLetters},
		{get, "/admin/facilities/:oid/letters/facility-info.pdf", Operator, s.download(s.facilityInfoLetterFile)},
		{post, "/admin/facilities/:oid/letters/mailed", Operator, s.markFacilityLettersMailed},

		// Member pages (プロフィール・申請・関連サイト) and operator administration.
		{get, "/profile", Member, s.showProfile},
		{post, "/profile", Member, s.saveProfile},
		{get, "/links", Member, s.showSiteLinks},
		{get, "/requests", Pending, s.showRequests},
		{post, "/requests", Pending, s.saveRequest},
		{get, "/admin", Operator, s.showDashboard},
		{get, "/admin/login-holds", Operator, s.showLoginHolds},
		{post, "/admin/login-holds/clear", Operator, s.clearLoginHold},
		{get, "/admin/members", Operator, s.showMemberList},
		{get, "/admin/members/:id", Operator, s.showMember},
		{post, "/admin/members/:id/lock", Operator, s.lockMember},
		{post, "/admin/members/:id/unlock", Operator, s.unlockMember},
		{post, "/admin/members/:id/withdraw", Operator, s.withdrawMember},
		{post, "/admin/members/:id/login-limits/clear", Operator, s.clearMemberLoginLimits},
		{get, "/admin/inquiries", Operator, s.showInquiryList},
		{get, "/admin/inquiries/:number", Operator, s.showInquiry},
		{post, "/admin/inquiries/:number", Operator, s.updateInquiry},
		{get, "/admin/requests", Operator, s.showRequestList},
		{get, "/admin/requests/:id", Operator, s.showRequest},
		{post, "/admin/requests/:id/approve", Operator, s.approveRequest},
		{post, "/admin/requests/:id/reject", Operator, s.rejectRequest},
		{get, "/admin/links", Operator, s.showAdminSiteLinks},
		{get, "/admin/links/new", Operator, s.showNewSiteLink},
		{post, "/admin/links", Operator, s.createSiteLink},
		{get, "/admin/links/:id", Operator, s.showEditSiteLink},
		{post, "/admin/links/:id", Operator, s.updateSiteLink},
		{post, "/admin/links/:id/delete", Operator, s.deleteSiteLink},
		{get, "/admin/settings", Operator, s.showSettings},
		{post, "/admin/settings", Operator, s.saveSettings},
		{get, "/admin/operators", Operator, s.showOperators},
		{post, "/admin/operators", Operator, s.createOperator},
		{post, "/admin/operators/:id/lock", Operator, s.lockOperator},
		{post, "/admin/operators/:id/unlock", Operator, s.unlockOperator},

		// Client certificates (証明書).
		{get, "/cert", Pending, s.showCertPage},
		{post, "/cert/issue", Pending, s.issueCertificate},
		{get, "/cert/done", Public, s.showCertDone},
		{get, "/certificates", Member, s.showMyCertificates},
		{post, "/certificates/:serial/revoke", Member, s.revokeMyCertificate},
		{get, "/admin/members/:id/certificates", Operator, s.showMemberCertificates},
		{post, "/admin/members/:id/grant-reissue", Operator, s.grantCertificateReissue},
		{post, "/admin/certificates/:serial/revoke", Operator, s.revokeCertificateByOperator},

		// 患者様登録ソフト (PRS).
		{get, "/prs", FacilityMember, s.prs(s.showPatientList)},
		{get, "/prs/login", FacilityMember, s.showPRSLogin},
		{post, "/prs/login", FacilityMember, s.prsLogin},
		{post, "/prs/lock", FacilityMember, s.prsLock},
		{get, "/prs/facility", FacilityMember, s.prs(s.showPRSFacility)},
		{post, "/prs/facility", FacilityMember, s.prs(s.savePRSFacility)},
		{get, "/prs/linked", FacilityMember, s.prs(s.showLinkedPatients)},
		{get, "/prs/patients", FacilityMember, s.prs(s.showPatientList)},
		{post, "/prs/patients", FacilityMember, s.prs(s.savePatient)},
		{get, "/prs/patients/new", FacilityMember, s.prs(s.showNewPatient)},
		{get, "/prs/patients/:id", FacilityMember, s.prs(s.showPatient)},
		{get, "/prs/patients/:id/edit", FacilityMember, s.prs(s.showEditPatient)},
		{post, "/prs/patients/:id/edit", FacilityMember, s.prs(s.updatePatient)},
		{post, "/prs/patients/:id/deactivate", FacilityMember, s.prs(s.setPatientActive(false))},
		{post, "/prs/patients/:id/reactivate", FacilityMember, s.prs(s.setPatientActive(true))},
		{post, "/prs/patients/:id/links", FacilityMember, s.prs(s.savePatientLink)},
		{post, "/prs/patients/:id/links/:oid/revoke", FacilityMember, s.prs(s.revokePatientLink)},
		{post, "/prs/patients/:id/card", FacilityMember, s.prs(s.printPatientCard)},

		// Operations (監査ログ・バックアップ).
		{get, "/admin/audit", Operator, s.showAuditLog},
		{get, "/admin/audit.csv", Operator, s.download(s.auditCSVFile)},
		{get, "/admin/backup", Operator, s.showBackup},
		{get, "/admin/backup/download", Operator, s.download(s.backupFile)},
		{post, "/admin/backup/run", Operator, s.runBackup},
		{get, "/admin/health", Operator, s.showHealth},

		// Functions still being built (準備中).
		{get, "/dms", FacilityMember, s.showComingSoon},
		{get, "/referrals", Member, s.showComingSoon},
		{get, "/rx", Member, s.showComingSoon},
	}
}
