from likewatch.cli import main

raise SystemExit(main())
