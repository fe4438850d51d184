"""메일 답장 (CONNECT X): a mailbox per user over IMAP and SMTP (TLS, app passwords sealed at
rest), Korean mail decoded, thread summaries, to-dos through the workspace's review flow, and
reply drafts sent only after the user approves the exact text (docs/mail.md).

    parse.py      raw message -> Parsed (charsets, RFC 2047, HTML to text, attachments)
    transport.py  IMAP and SMTP clients, MailAuthError / MailConnectionError
    vault.py      Fernet sealing of app passwords (HANEUL_MAIL_KEY or <home>/mail.key)
    store.py      accounts, messages grouped into threads, drafts with their approval
    assist.py     summary and reply draft by the model (존댓말, greeting and signature by code)
    service.py    MailService: what the server, the skill and the CLI call
"""
