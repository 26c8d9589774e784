package views

import "hotline/store"

// ComingSoonText stands in public for a setting the operator has not
// filled in yet: visitors never see a placeholder.
const ComingSoonText = "準備中"

// Contact is a contact setting as the public pages show it: its value, or
// 準備中 while it is a placeholder.
func Contact(s store.Settings, field string) string {
	if s.IsPlaceholder(field) {
		return ComingSoonText
	}
	switch field {
	case "organisation":
		return s.Organisation
	case "department":
		return s.Department
	case "postal":
		return s.Postal
	case "address":
		return s.Address
	case "phone":
		return s.Phone
	case "email":
		return s.Email
	}
	return ""
}

// MailingAddress is where forms are mailed, as one line (〒 postal
// address), or 準備中.
func MailingAddress(s store.Settings) string {
	if s.IsPlaceholder("postal") || s.IsPlaceholder("address") {
		return ComingSoonText
	}
	return "〒" + s.Postal + " " + s.Address
}

// MailingName is the organisation and department forms are mailed to, or
// 準備中.
func MailingName(s store.Settings) string {
	if s.IsPlaceholder("organisation") || s.IsPlaceholder("department") {
		return ComingSoonText
	}
	return s.Organisation + " " + s.Department
}
