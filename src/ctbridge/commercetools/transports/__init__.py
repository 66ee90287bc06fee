"""How commercetools deliveries reach ctbridge: push (authenticated), SNS, Event Grid, SQS, Pub/Sub pull.

Every transport hands each message body to the same `DeliveryIntake` (parse, dedup, store); they
differ only in how they fetch and acknowledge.
"""
