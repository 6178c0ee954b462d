"""Learning from experience: reasoning patterns from good chats, and the user's profile."""
