int tiny_main(void);
