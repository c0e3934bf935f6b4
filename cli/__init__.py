"""The operator's CLI, `switchboard`: routing rules and the customer directory. Not in the Lambda package."""
