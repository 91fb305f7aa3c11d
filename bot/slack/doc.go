// Package slack is founderbot's Slack transport for staff: it verifies
// Slack's signed HTTP requests, parses the staff slash command and (in later
// steps) turns application-store results into Slack messages and modals.
//
// slack-go is imported as slackapi so that this package can keep the name
// slack.
package slack
