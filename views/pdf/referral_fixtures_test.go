package pdf

import (
	"strings"
	"time"
)

// sampleReferralLetter is a letter from a clinic to a hospital whose
// sections hold about total characters in all (see sampleSections).
func sampleReferralLetter(total int) ReferralLetter {
	s := sampleSections(total)
	return ReferralLetter{
		Operator: sampleOperator(),
		ID:       "R-000123",
		Date:     time.Date(2025, 12, 2, 1, 30, 0, 0, time.UTC),
		To:       ReferralAddressee{Facility: "ほっとライン総合病院", Department: "循環器内科", Doctor: "山田 一郎"},
		From:     sampleFacility(),
		Patient: ReferralPatient{
			Name: "髙﨑 花子", Kana: "タカサキ ハナコ", Sex: "女",
			BirthDate:  time.Date(1958, 4, 12, 0, 0, 0, 0, time.UTC),
			Address:    "東京都千代田区神田駿河台二丁目五番地　すこやかマンション101号室",
			Phone:      "03-9876-5432",
			Occupation: "無職",
		},
		Attachments: []string{"胸部X線写真（令和7年11月28日）.jpg", "心電図.pdf"},
		Records: []ReferralRecord{
			{ID: "R000012", Title: "胸部X線", Kind: "画像", On: time.Date(2025, 11, 28, 0, 0, 0, 0, time.UTC), Version: 2},
			{ID: "R000015", Title: "血液検査（11月）", Kind: "検査結果", On: time.Date(2025, 11, 30, 0, 0, 0, 0, time.UTC), Version: 1},
		},
		Diagnosis: s[0].body, Purpose: s[1].body, History: s[2].body, Course: s[3].body,
		Treatment: s[4].body, Medication: s[5].body, Remarks: s[6].body,
	}
}

// sampleReferralReply answers sampleReferralLetter.
func sampleReferralReply() ReferralReply {
	l := sampleReferralLetter(1000)
	return ReferralReply{
		Operator:  sampleOperator(),
		Letter:    ReferralRef{ID: l.ID, Date: l.Date},
		Date:      time.Date(2025, 12, 9, 6, 0, 0, 0, time.UTC),
		To:        ReferralAddressee{Facility: l.From.Name, Department: l.From.Department, Doctor: l.From.Doctor},
		From:      Facility{Name: "ほっとライン総合病院", Postal: "101-8328", Address: "東京都千代田区神田駿河台一丁目一番地", Phone: "03-3333-4444", Code: "1319876543", Department: "循環器内科", Doctor: "山田 一郎"},
		Patient:   l.Patient,
		VisitedOn: time.Date(2025, 12, 5, 0, 0, 0, 0, time.UTC),
		Findings:  "心エコーにてEF 38%、左室壁運動のびまん性低下を認めました。冠動脈CTでは有意狭窄を認めません。",
		Plan:      "拡張型心筋症として、β遮断薬（ビソプロロール0.625mg）を開始しました。\n1か月後に当科外来で再評価いたします。",
		Body:      strings.Repeat("このたびは患者様をご紹介いただき、誠にありがとうございました。", 3) + "\n今後ともよろしくお願い申し上げます。",
	}
}
