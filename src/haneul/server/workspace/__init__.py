"""Routes of the workspace: `/v1/todos` (오늘 할 일) and the `/workspace` page."""
