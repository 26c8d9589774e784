package store

// AuditAction names what an audit line records (e.g. patient.view). The
// code is what the log stores and the CSV exports; Label is what the
// operator's log and the patient's 閲覧履歴 show.
type AuditAction string

// The actions, by area. A new action gets its constant and its label here.
const (
	AuditLogin          AuditAction = "login"
	AuditLogout         AuditAction = "logout"
	AuditPasswordChange AuditAction = "password.change"
	AuditLoginHold      AuditAction = "login.hold"
	AuditLoginHoldClear AuditAction = "login.hold_clear"

	AuditApplicationCreate  AuditAction = "application.create"
	AuditApplicationReceive AuditAction = "application.receive"
	AuditApplicationApprove AuditAction = "application.approve"
	AuditApplicationReject  AuditAction = "application.reject"
	AuditApplicationNote    AuditAction = "application.note"
	AuditApplicationMailed  AuditAction = "application.mailed"

	AuditMemberCreate        AuditAction = "member.create"
	AuditMemberProfile       AuditAction = "member.profile"
	AuditMemberPasswordReset AuditAction = "member.password_reset"
	AuditMemberWithdraw      AuditAction = "member.withdraw"
	AuditMemberLock          AuditAction = "member.lock"
	AuditMemberUnlock        AuditAction = "member.unlock"
	AuditOperatorCreate      AuditAction = "operator.create"
	AuditOperatorLock        AuditAction = "operator.lock"
	AuditOperatorUnlock      AuditAction = "operator.unlock"
	AuditOperatorReset       AuditAction = "operator.reset"

	AuditFacilityCreate        AuditAction = "facility.create"
	AuditFacilityUpdate        AuditAction = "facility.update"
	AuditFacilityPassword      AuditAction = "facility.password"
	AuditFacilityPasswordReset AuditAction = "facility.password_reset"
	AuditLetterPrint           AuditAction = "letter.print"
	AuditLetterMailed          AuditAction = "letter.mailed"

	AuditCertIssue        AuditAction = "cert.issue"
	AuditCertRenew        AuditAction = "cert.renew"
	AuditCertDownload     AuditAction = "cert.download"
	AuditCertRevoke       AuditAction = "cert.revoke"
	AuditCertGrantReissue AuditAction = "cert.grant_reissue"
	// AuditCertGrantSharedPC: the operator allowed a certificate on a
	// named shared PC (共用PC).
	AuditCertGrantSharedPC AuditAction = "cert.grant_shared_pc"
	AuditCertRefused       AuditAction = "cert.refused"
	AuditCAServerCreate    AuditAction = "ca.server.create"
	AuditCAServerIssue     AuditAction = "ca.server.issue"
	AuditCAClientCreate    AuditAction = "ca.client.create"

	AuditRequestCreate  AuditAction = "request.create"
	AuditRequestApprove AuditAction = "request.approve"
	AuditRequestReject  AuditAction = "request.reject"
	AuditInquiryCreate  AuditAction = "inquiry.create"
	AuditInquiryUpdate  AuditAction = "inquiry.update"
	AuditLinkCreate     AuditAction = "link.create"
	AuditLinkUpdate     AuditAction = "link.update"
	AuditLinkDelete     AuditAction = "link.delete"
	AuditSettingsUpdate AuditAction = "settings.update"

	AuditDrugsImport AuditAction = "drugs.import"

	AuditExport         AuditAction = "audit.export"
	AuditBackupCreate   AuditAction = "backup.create"
	AuditBackupDownload AuditAction = "backup.download"

	AuditPRSUnlock         AuditAction = "prs.unlock"
	AuditPRSLock           AuditAction = "prs.lock"
	AuditPatientCreate     AuditAction = "patient.create"
	AuditPatientUpdate     AuditAction = "patient.update"
	AuditPatientView       AuditAction = "patient.view"
	AuditPatientList       AuditAction = "patient.list"
	AuditPatientSearch     AuditAction = "patient.search"
	AuditPatientLinkedList AuditAction = "patient.linked_list"
	AuditPatientLink       AuditAction = "patient.link"
	AuditPatientUnlink     AuditAction = "patient.unlink"
	AuditPatientCard       AuditAction = "patient.card"
	AuditPatientDeactivate AuditAction = "patient.deactivate"
	AuditPatientReactivate AuditAction = "patient.reactivate"

	AuditRxCompose           AuditAction = "rx.compose"
	AuditRxDraft             AuditAction = "rx.draft"
	AuditRxIssue             AuditAction = "rx.issue"
	AuditRxView              AuditAction = "rx.view"
	AuditRxPrint             AuditAction = "rx.print"
	AuditRxCancel            AuditAction = "rx.cancel"
	AuditRxList              AuditAction = "rx.list"
	AuditReferralDraft       AuditAction = "referral.draft"
	AuditReferralDraftDelete AuditAction = "referral.draft_delete"
	AuditReferralSend        AuditAction = "referral.send"
	AuditReferralView        AuditAction = "referral.view"
	AuditReferralPrint       AuditAction = "referral.print"
	AuditReferralAttachment  AuditAction = "referral.attachment"
	AuditReferralReply       AuditAction = "referral.reply"
	AuditReferralReplyPrint  AuditAction = "referral.reply_print"
	AuditReferralComplete    AuditAction = "referral.complete"
	// The pharmacy's side of Web処方箋.
	AuditRxLookup          AuditAction = "rx.lookup"
	AuditRxPharmacyView    AuditAction = "rx.pharmacy_view"
	AuditRxPharmacyPrint   AuditAction = "rx.pharmacy_print"
	AuditRxDispense        AuditAction = "rx.dispense"
	AuditPatientLogin      AuditAction = "patient_page.login"
	AuditPatientLogout     AuditAction = "patient_page.logout"
	AuditPatientPageView   AuditAction = "patient_page.view"
	AuditPatientAccessView AuditAction = "patient_page.access_view"
	AuditRecordCreate      AuditAction = "record.create"
	AuditRecordRevise      AuditAction = "record.revise"
	AuditRecordWithdraw    AuditAction = "record.withdraw"
	AuditRecordView        AuditAction = "record.view"
	AuditRecordAttachment  AuditAction = "record.attachment"
	AuditRecordList        AuditAction = "record.list"
	AuditRecordDisclose    AuditAction = "record.disclose"
	AuditRecordRevoke      AuditAction = "record.revoke"
)

// auditLabels is the catalogue: every action's Japanese label.
var auditLabels = map[AuditAction]string{
	AuditLogin:          "ログイン",
	AuditLogout:         "ログアウト",
	AuditPasswordChange: "パスワード変更",
	AuditLoginHold:      "ログイン一時停止",
	AuditLoginHoldClear: "一時停止の解除",

	AuditApplicationCreate:  "利用申込",
	AuditApplicationReceive: "申込書の受領",
	AuditApplicationApprove: "利用申込の承認",
	AuditApplicationReject:  "利用申込の却下",
	AuditApplicationNote:    "申込へのメモ",
	AuditApplicationMailed:  "資料の郵送済記録",

	AuditMemberCreate:        "会員の登録",
	AuditMemberProfile:       "ユーザ編集",
	AuditMemberPasswordReset: "パスワードの再発行",
	AuditMemberWithdraw:      "退会",
	AuditMemberLock:          "会員の利用停止",
	AuditMemberUnlock:        "会員の利用再開",
	AuditOperatorCreate:      "運営者の追加",
	AuditOperatorLock:        "運営者の利用停止",
	AuditOperatorUnlock:      "運営者の利用再開",
	AuditOperatorReset:       "運営者パスワードの再設定（コマンド）",

	AuditFacilityCreate:        "施設の登録",
	AuditFacilityUpdate:        "施設情報の修正",
	AuditFacilityPassword:      "施設パスワードの変更",
	AuditFacilityPasswordReset: "施設パスワードの再発行",
	AuditLetterPrint:           "通知書の印刷",
	AuditLetterMailed:          "通知書の郵送済記録",

	AuditCertIssue:         "証明書の発行",
	AuditCertRenew:         "証明書の更新",
	AuditCertDownload:      "証明書のダウンロード",
	AuditCertRevoke:        "証明書の失効",
	AuditCertGrantReissue:  "証明書再発行の許可",
	AuditCertGrantSharedPC: "共用PC証明書の許可",
	AuditCertRefused:       "証明書による拒否",
	AuditCAServerCreate:    "サーバー認証局の作成",
	AuditCAServerIssue:     "サーバー証明書の発行",
	AuditCAClientCreate:    "クライアント認証局の作成",

	AuditRequestCreate:  "申請",
	AuditRequestApprove: "申請の承認",
	AuditRequestReject:  "申請の却下",
	AuditInquiryCreate:  "問合せ",
	AuditInquiryUpdate:  "問合せの対応",
	AuditLinkCreate:     "関連サイトの追加",
	AuditLinkUpdate:     "関連サイトの修正",
	AuditLinkDelete:     "関連サイトの削除",
	AuditSettingsUpdate: "設定の変更",

	AuditDrugsImport: "薬価基準マスタの取り込み",

	AuditExport:         "監査ログの書き出し",
	AuditBackupCreate:   "バックアップの作成",
	AuditBackupDownload: "バックアップのダウンロード",

	AuditPRSUnlock:         "PRS 施設認証",
	AuditPRSLock:           "PRS 終了",
	AuditPatientCreate:     "患者様の登録",
	AuditPatientUpdate:     "患者情報の修正",
	AuditPatientView:       "患者情報の閲覧",
	AuditPatientList:       "患者一覧の表示",
	AuditPatientSearch:     "患者検索",
	AuditPatientLinkedList: "連携患者一覧の表示",
	AuditPatientLink:       "施設連携",
	AuditPatientUnlink:     "連携の解除",
	AuditPatientCard:       "アクセスカードの発行",
	AuditPatientDeactivate: "患者様の無効化",
	AuditPatientReactivate: "患者様の再有効化",

	AuditRxCompose:           "処方箋の作成画面",
	AuditRxDraft:             "処方箋の下書き保存",
	AuditRxIssue:             "処方箋の発行",
	AuditRxView:              "処方箋の閲覧",
	AuditRxPrint:             "処方箋の印刷",
	AuditRxCancel:            "処方箋の取消",
	AuditRxList:              "処方箋一覧の表示",
	AuditReferralDraft:       "紹介状の下書き保存",
	AuditReferralDraftDelete: "紹介状の下書き削除",
	AuditReferralSend:        "紹介状の送信",
	AuditReferralView:        "紹介状の閲覧",
	AuditReferralPrint:       "紹介状の印刷",
	AuditReferralAttachment:  "紹介状の添付ファイルの閲覧",
	AuditReferralReply:       "返書の送信",
	AuditReferralReplyPrint:  "返書の印刷",
	AuditReferralComplete:    "紹介状の完了",
	AuditRxLookup:            "処方箋の照会（薬局）",
	AuditRxPharmacyView:      "処方箋の閲覧（薬局）",
	AuditRxPharmacyPrint:     "処方箋の印刷（薬局）",
	AuditRxDispense:          "調剤済の記録",
	AuditRecordCreate:        "医療記録の作成",
	AuditRecordRevise:        "医療記録の修正",
	AuditRecordWithdraw:      "医療記録の取り下げ",
	AuditRecordView:          "医療記録の閲覧",
	AuditRecordAttachment:    "添付ファイルの閲覧",
	AuditRecordList:          "医療記録一覧の表示",
	AuditRecordDisclose:      "医療記録の公開",
	AuditRecordRevoke:        "公開の取り消し",
	AuditPatientLogin:        "患者様ページへのログイン",
	AuditPatientLogout:       "患者様ページからのログアウト",
	AuditPatientPageView:     "患者様ページ（開示記録の一覧）の表示",
	AuditPatientAccessView:   "患者様ページ（閲覧履歴）の表示",
}

// Label is the action in Japanese (the code itself for an action the
// catalogue does not know, e.g. one a newer version wrote).
func (a AuditAction) Label() string {
	if l, ok := auditLabels[a]; ok {
		return l
	}
	return string(a)
}

// AuditActions lists the catalogue's actions (for the log's filter).
func AuditActions() []AuditAction {
	out := make([]AuditAction, 0, len(auditLabels))
	for a := range auditLabels {
		out = append(out, a)
	}
	return out
}
