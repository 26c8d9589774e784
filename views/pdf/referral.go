package pdf

import (
	"errors"
	"time"
)

// The printed letters of 地域連携: the referral letter (診療情報提供書, in the
// layout of 別紙様式11) and the reply to it (紹介患者経過報告書). Both take
// plain values, not the store's types: the caller copies what the letter
// holds, and dates arrive as time.Time and are printed in 和暦 here.

const (
	titleReferralLetter = "診療情報提供書"
	titleReferralReply  = "紹介患者経過報告書"
)

// ReferralAddressee is whom a letter is for (紹介先, or the 返書's
// addressee: the doctor who referred the patient).
type ReferralAddressee struct {
	Facility   string // 医療機関名
	Department string // 診療科, optional
	Doctor     string // 担当医, optional: without it the letter is addressed to the department
}

// ReferralPatient is the patient block of both letters.
type ReferralPatient struct {
	Name       string    // 氏名
	Kana       string    // カナ, optional
	Sex        string    // 男 or 女 (or empty)
	BirthDate  time.Time // 生年月日 (a calendar day); zero: not printed
	Address    string    // optional
	Phone      string    // optional
	Occupation string    // 職業, optional
}

// ReferralRef names another letter: the one a correction corrects, the
// one a reply answers.
type ReferralRef struct {
	ID   string    // the letter's ID as the portal shows it
	Date time.Time // the day it was sent; zero: not printed
}

// ReferralLetter is 診療情報提供書 (別紙様式11).
type ReferralLetter struct {
	Operator Operator // the network: its name heads every page
	ID       string   // the letter's ID, printed in the header of every page
	Date     time.Time
	Draft    bool // not yet sent: marked 下書き on every page

	To      ReferralAddressee // 紹介先
	From    Facility          // 紹介元: name, address, phone, 医療機関コード, doctor (with the 印 box)
	Patient ReferralPatient

	// Corrects is the letter this one corrects (訂正); zero ID: none.
	Corrects ReferralRef

	// The sections, in the order of 別紙様式11; line breaks are kept.
	Diagnosis  string // 傷病名
	Purpose    string // 紹介目的
	History    string // 既往歴及び家族歴
	Course     string // 症状経過及び検査結果
	Treatment  string // 治療経過
	Medication string // 現在の処方
	Remarks    string // 備考
}

// ReferralReply is 紹介患者経過報告書, the reply (返書) to a referral letter.
type ReferralReply struct {
	Operator Operator
	Letter   ReferralRef // the letter answered
	Date     time.Time   // the day of the reply

	To      ReferralAddressee // the referring doctor (the letter's 紹介元)
	From    Facility          // the replying facility and doctor
	Patient ReferralPatient

	VisitedOn time.Time // 受診日; zero: not printed
	Findings  string    // 所見
	Plan      string    // 方針
	Body      string    // 本文
}

// RenderReferralLetter returns the letter as an A4 PDF.
func RenderReferralLetter(l ReferralLetter) ([]byte, error) {
	return nil, errors.New("pdf: 診療情報提供書: not implemented")
}

// RenderReferralReply returns the reply as an A4 PDF.
func RenderReferralReply(r ReferralReply) ([]byte, error) {
	return nil, errors.New("pdf: 紹介患者経過報告書: not implemented")
}
