package handlers

import (
	"hotline/handlers/web"
)

// Routes is the route table: every path the server answers, the shell's
// own and then each domain's.
func (s *Server) Routes() []web.Route {
	routes := s.shellRoutes()
	for _, d := range s.domains {
		routes = append(routes, d.Routes()...)
	}
	return append(routes, s.cfg.ExtraRoutes...)
}

// domain is a package of screens with its own route table.
type domain interface{ Routes() []web.Route }

// shellRoutes are the portal, membership, certificates and operations.
func (s *Server) shellRoutes() []web.Route {
	return []web.Route{
		// Public pages.
		web.Get("/", web.Public, s.showHome),
		web.Get("/guide", web.Public, s.showGuide),
		web.Get("/guide/:topic", web.Public, s.showGuide),
		web.Get("/inquiry", web.Public, s.showInquiryForm),
		web.Post("/inquiry", web.Public, s.saveInquiry),
		web.Get("/inquiry/thanks/:number", web.Public, s.showInquiryThanks),
		web.Get("/ca.crt", web.Public, s.web.Download(s.serverCAFile)),
		web.Get("/static/*", web.Public, s.serveStatic),

		// Login and the first-login steps.
		web.Get("/login", web.Public, s.showLogin),
		web.Post("/login", web.Public, s.login),
		web.Post("/logout", web.Pending, s.logout),
		web.Get("/password", web.Pending, s.showPasswordForm),
		web.Post("/password", web.Pending, s.savePassword),

		// Member pages.
		web.Get("/menu", web.Member, s.showMenu),

		// Application and review (利用申込・審査・資料郵送).
		web.Get("/apply", web.Public, s.showApplyForm),
		web.Post("/apply", web.Public, s.saveApplication),
		web.Get("/apply/receipt/:token", web.Public, s.showApplicationReceipt),
		web.Get("/apply/receipt/:token/member.pdf", web.Public, s.web.Download(s.applicationMemberFormFile)),
		web.Get("/apply/receipt/:token/facility.pdf", web.Public, s.web.Download(s.applicationFacilityFormFile)),
		web.Get("/admin/applications", web.Operator, s.showApplicationList),
		web.Get("/admin/applications/:number", web.Operator, s.showApplication),
		web.Post("/admin/applications/:number/received", web.Operator, s.receiveApplication),
		web.Post("/admin/applications/:number/approve", web.Operator, s.approveApplication),
		web.Post("/admin/applications/:number/reject", web.Operator, s.rejectApplication),
		web.Post("/admin/applications/:number/notes", web.Operator, s.addApplicationNote),
		web.Post("/admin/applications/:number/mailed", web.Operator, s.markApplicationMailed),
		web.Get("/admin/applications/:number/letters", web.Operator, s.showApplicationLetters),
		web.Get("/admin/applications/:number/letters/start-guide.pdf", web.Operator, s.web.Download(s.applicationStartGuideFile)),
		web.Get("/admin/applications/:number/letters/facility-info.pdf", web.Operator, s.web.Download(s.applicationFacilityInfoFile)),
		web.Post("/admin/members/:id/reset-password", web.Operator, s.resetMemberPassword),
		web.Get("/admin/members/:id/letters", web.Operator, s.showMemberLetters),
		web.Get("/admin/members/:id/letters/start-guide.pdf", web.Operator, s.web.Download(s.memberStartGuideFile)),
		web.Post("/admin/members/:id/letters/mailed", web.Operator, s.markMemberLettersMailed),
		web.Get("/admin/facilities", web.Operator, s.showFacilityList),
		web.Get("/admin/facilities/:oid", web.Operator, s.showFacility),
		web.Post("/admin/facilities/:oid/reset-password", web.Operator, s.resetFacilityPassword),
		web.Get("/admin/facilities/:oid/letters", web.Operator, s.showFacilityLetters),
		web.Get("/admin/facilities/:oid/letters/facility-info.pdf", web.Operator, s.web.Download(s.facilityInfoLetterFile)),
		web.Post("/admin/facilities/:oid/letters/mailed", web.Operator, s.markFacilityLettersMailed),

		// Member pages (プロフィール・申請・関連サイト) and operator administration.
		web.Get("/profile", web.Member, s.showProfile),
		web.Post("/profile", web.Member, s.saveProfile),
		web.Get("/links", web.Member, s.showSiteLinks),
		web.Get("/requests", web.Pending, s.showRequests),
		web.Post("/requests", web.Pending, s.saveRequest),
		web.Get("/admin", web.Operator, s.showDashboard),
		web.Get("/admin/login-holds", web.Operator, s.showLoginHolds),
		web.Post("/admin/login-holds/clear", web.Operator, s.clearLoginHold),
		web.Get("/admin/members", web.Operator, s.showMemberList),
		web.Get("/admin/members/:id", web.Operator, s.showMember),
		web.Post("/admin/members/:id/lock", web.Operator, s.lockMember),
		web.Post("/admin/members/:id/unlock", web.Operator, s.unlockMember),
		web.Post("/admin/members/:id/withdraw", web.Operator, s.withdrawMember),
		web.Post("/admin/members/:id/login-limits/clear", web.Operator, s.clearMemberLoginLimits),
		web.Get("/admin/inquiries", web.Operator, s.showInquiryList),
		web.Get("/admin/inquiries/:number", web.Operator, s.showInquiry),
		web.Post("/admin/inquiries/:number", web.Operator, s.updateInquiry),
		web.Get("/admin/requests", web.Operator, s.showRequestList),
		web.Get("/admin/requests/:id", web.Operator, s.showRequest),
		web.Post("/admin/requests/:id/approve", web.Operator, s.approveRequest),
		web.Post("/admin/requests/:id/reject", web.Operator, s.rejectRequest),
		web.Get("/admin/links", web.Operator, s.showAdminSiteLinks),
		web.Get("/admin/links/new", web.Operator, s.showNewSiteLink),
		web.Post("/admin/links", web.Operator, s.createSiteLink),
		web.Get("/admin/links/:id", web.Operator, s.showEditSiteLink),
		web.Post("/admin/links/:id", web.Operator, s.updateSiteLink),
		web.Post("/admin/links/:id/delete", web.Operator, s.deleteSiteLink),
		web.Get("/admin/settings", web.Operator, s.showSettings),
		web.Post("/admin/settings", web.Operator, s.saveSettings),
		web.Get("/admin/operators", web.Operator, s.showOperators),
		web.Post("/admin/operators", web.Operator, s.createOperator),
		web.Post("/admin/operators/:id/lock", web.Operator, s.lockOperator),
		web.Post("/admin/operators/:id/unlock", web.Operator, s.unlockOperator),

		// Client certificates (証明書).
		web.Get("/cert", web.Pending, s.showCertPage),
		web.Post("/cert/issue", web.Pending, s.issueCertificate),
		web.Get("/cert/done", web.Public, s.showCertDone),
		web.Get("/certificates", web.Member, s.showMyCertificates),
		web.Post("/certificates/:serial/revoke", web.Member, s.revokeMyCertificate),
		web.Get("/admin/members/:id/certificates", web.Operator, s.showMemberCertificates),
		web.Post("/admin/members/:id/grant-reissue", web.Operator, s.grantCertificateReissue),
		web.Post("/admin/certificates/:serial/revoke", web.Operator, s.revokeCertificateByOperator),

		// Operations (監査ログ・バックアップ).
		web.Get("/admin/audit", web.Operator, s.showAuditLog),
		web.Get("/admin/audit.csv", web.Operator, s.web.Download(s.auditCSVFile)),
		web.Get("/admin/backup", web.Operator, s.showBackup),
		web.Get("/admin/backup/download", web.Operator, s.web.Download(s.backupFile)),
		web.Post("/admin/backup/run", web.Operator, s.runBackup),
		web.Get("/admin/health", web.Operator, s.showHealth),

		web.Get("/favicon.ico", web.Public, s.serveFavicon),
		web.Get("/terms", web.Public, s.showTerms),
		web.Get("/privacy", web.Public, s.showPrivacy),
		web.Post("/admin/members/:id/shared-pc", web.Operator, s.grantSharedPC),
	}
}
