// Package slack is founderbot's Slack transport for the hub's staff. It
// posts each new application to the staff channel as a Block Kit message
// with decision buttons (Reject and Request info open a modal), updates
// that message in place after every decision, threads founders' answers
// under it, and serves the staff slash command (help, apps, app, accept,
// reject, shortlist, ask, stats, export).
//
// Slack reaches it in Socket Mode (Staff.RunSocketMode, with an app-level
// token) or over HTTP (Staff.Handler, every request checked by Verify).
// Either way requests are acknowledged within Slack's three seconds and
// slower work goes on in the background; Staff.Wait waits for it.
//
// Decisions go through application.Review, which settles races between staff
// members; the founder is told through a Deliver func (Telegram). Staff
// texts come from this package's catalogs locales/staff.<lang>.toml (see
// Messages), written in
// Slack mrkdwn; every value is escaped here (& < >) so that text founders
// typed can never ping a channel.
//
// With SetOfficeHours, staff also manage office hours (the mentor and
// slots subcommands, with forms for adding mentors and slots); founders'
// bookings, cancellations and moves (Staff.Bookings) get a line in the
// staff channel and a direct message to the mentor, with buttons to
// record what became of the session. Those texts are in
// locales/staffoh.<lang>.toml. Founders' events reach the package as the
// notifications of their turn (Staff.Notify).
//
// slack-go is imported as slackapi so that this package can keep the name
// slack.
package slack
