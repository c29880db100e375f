"""Following: the campaigns a donor follows, their reminder settings and the reminder mails."""
