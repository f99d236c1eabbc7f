"""The mail machinery: the settings of the SMTP server, messages built from templates the
secretariat may replace, sending them with ``smtplib``, and the log of every message.

What is sent to whom in a round (invitations, reminders, chasers) is ``tracker.mailings``; this
package knows nothing of rounds and forms.
"""
