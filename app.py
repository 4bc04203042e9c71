"""Start the clinician chat: `python app.py` serves it on 127.0.0.1 (port GRADIO_SERVER_PORT,
default 7860), building the evidence index from corpus/ first if it is missing."""

from assistant.ui import main

if __name__ == "__main__":
    raise SystemExit(main())
